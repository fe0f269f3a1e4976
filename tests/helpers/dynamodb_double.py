"""The base class of a test double that stands in for boto3's DynamoDB client.

To the type checker a double *is* a ``DynamoDBClient`` (so it can be handed to a store's ``dynamodb=``); at run
time it is a plain object that implements the calls the test needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient as DynamoDBDouble
else:
    DynamoDBDouble = object

__all__ = ["DynamoDBDouble"]
