"""Test speed: what boto3 and moto read from disk or derive again for every test, read and derived once per process.

A profile of `tests/unit` (961 tests, one process) put a third of its time in three repeats that tell nothing:
- every test that resets the core's clients makes a new boto3 session, and each session's botocore loader parses
  the service models, endpoint rules and partitions from JSON again (~5,500 file loads, ~80 s of ~380 s): here all
  sessions of the process share one loader per data path, so each file is parsed once (the loader's own
  ``instance_cache`` then holds it, as it does within one session);
- every moto user pool imports moto's bundled RSA signing key, recovering its primes (~0.4 s per pool, ~40 s):
  here an RSA JWK with the same fields is imported once and its cryptography key reused (immutable).

Nothing here changes what a client, a request or a token is: the same models and the same key, parsed once.
Off with ``AWS_MODEL_CACHE=0`` (to compare; tests/tooling/test_aws_model_cache.py then fails, as it should). Loaded
first by ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import botocore.loaders
import botocore.session
from joserfc._rfc7518.rsa_key import RSABinding


class _SearchPaths(list[str]):
    """A loader's search paths that ignore a path they already hold: boto3 appends its own data path to the
    session's loader for every new session, which would otherwise grow the shared loader's list for ever."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)

    def extend(self, paths: Any) -> None:
        for path in paths:
            self.append(path)


_ORIGINAL_CREATE_LOADER = botocore.loaders.create_loader
_LOADERS: dict[str | None, botocore.loaders.Loader] = {}


def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    """One loader per data path for every botocore session of this process."""
    loader = _LOADERS.get(search_path_string)
    if loader is None:
        loader = _ORIGINAL_CREATE_LOADER(search_path_string)
        loader._search_paths = _SearchPaths(loader.search_paths)  # type: ignore[attr-defined]  # the list boto3 appends to
        _LOADERS[search_path_string] = loader
    return loader


_ORIGINAL_IMPORT_FROM_DICT = RSABinding.import_from_dict.__func__  # type: ignore[attr-defined]
_RSA_KEYS: dict[str, Any] = {}


def cached_import_from_dict(cls: type[RSABinding], value: dict[str, Any]) -> Any:
    """The cryptography key of an RSA JWK, derived once per distinct JWK."""
    fingerprint = json.dumps(value, sort_keys=True, default=str)
    key = _RSA_KEYS.get(fingerprint)
    if key is None:
        key = _RSA_KEYS[fingerprint] = _ORIGINAL_IMPORT_FROM_DICT(cls, value)
    return key


def install() -> None:
    if os.environ.get("AWS_MODEL_CACHE", "1") == "0":
        return
    botocore.session.create_loader = shared_loader
    RSABinding.import_from_dict = classmethod(cached_import_from_dict)  # type: ignore[method-assign,assignment]


install()
