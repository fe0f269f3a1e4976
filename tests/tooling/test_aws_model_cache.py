"""The test-speed cache (tests/aws_model_cache_plugin.py) shares parsed data, never changes what it is."""

from __future__ import annotations

import json

import boto3
from joserfc import jwk
from moto.utilities.utils import load_resource

from tests import aws_model_cache_plugin as cache


def test_new_boto3_sessions_share_one_loader_whose_search_paths_do_not_grow() -> None:
    first = boto3.Session(region_name="us-east-1")._loader
    paths = list(first.search_paths)
    second = boto3.Session(region_name="us-east-1")._loader
    assert second is first and list(second.search_paths) == paths
    model = boto3.Session(region_name="us-east-1").client("dynamodb").meta.service_model
    assert model.service_name == "dynamodb" and "GetItem" in model.operation_names


def test_an_rsa_jwk_imported_twice_is_the_same_key_and_signs_like_a_fresh_import() -> None:
    value = load_resource("cognitoidp/resources/jwks-private.json")
    one, two = jwk.RSAKey.import_key(value), jwk.RSAKey.import_key(json.loads(json.dumps(value)))
    assert one.private_key is two.private_key
    fresh = cache._ORIGINAL_IMPORT_FROM_DICT(type(one).binding, value)  # noqa: SLF001
    assert fresh.private_numbers() == one.private_key.private_numbers()
