"""The billing table: the store base (:mod:`.base`) and every item key (:mod:`.keys`)."""

from billing_core.store.base import ConditionFailed, DynamoDBClient, TableStore, dynamo_error

__all__ = ["ConditionFailed", "DynamoDBClient", "TableStore", "dynamo_error"]
