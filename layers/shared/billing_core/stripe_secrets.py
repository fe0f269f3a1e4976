"""The Stripe secret key, read from Secrets Manager through Powertools Parameters (cached, rotation-aware)."""

from __future__ import annotations

import json
import threading

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from billing_core import aws
from billing_core.errors import ConfigurationError, DependencyUnavailable
from billing_core.observability import count

#: Secrets are re-read at most this often (key rotation without redeploy).
SECRET_MAX_AGE_S: int = 60

_secrets_lock = threading.Lock()
_secrets_provider: SecretsProvider | None = None


def secrets_provider() -> SecretsProvider:
    """The process's Powertools secrets provider (its own Secrets Manager client from the shared session)."""
    global _secrets_provider
    with _secrets_lock:
        if _secrets_provider is None:
            _secrets_provider = SecretsProvider(boto3_client=aws.new_client("secretsmanager"))
        return _secrets_provider


def read_secret(name: str, *, force: bool = False) -> str:
    """A secret's string value through Powertools Parameters (cached ``SECRET_MAX_AGE_S``).

    Unavailable -> ``DependencyUnavailable`` (E9); empty -> ``ConfigurationError``. Never returns ''.
    """
    try:
        value = secrets_provider().get(name, max_age=SECRET_MAX_AGE_S, force_fetch=force)
    except Exception as exc:  # noqa: BLE001 - any failure to read a secret is an outage for the caller
        count("SecretUnavailable")
        raise DependencyUnavailable(retry_after=10, secret=name, reason=type(exc).__name__) from None
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str) or not value.strip():
        count("ConfigurationError")
        raise ConfigurationError(message_for_logs=f"secret {name} is empty")
    return value.strip()


def stripe_key_from_secret(raw: str) -> str:
    """Accept a plain key or a JSON object with ``secret_key`` / ``api_key``."""
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except ValueError:
            raise ConfigurationError(message_for_logs="Stripe secret is not valid JSON") from None
        raw = str(data.get("secret_key") or data.get("api_key") or "")
    if not raw:
        raise ConfigurationError(message_for_logs="Stripe secret holds no key")
    return raw


def clear_secret_cache() -> None:
    """Empty the provider's cache (the next read asks Secrets Manager again)."""
    with _secrets_lock:
        if _secrets_provider is not None:
            _secrets_provider.clear_cache()  # type: ignore[no-untyped-call]  # Powertools declares no return type


def forget_secrets_provider() -> None:
    """Drop the provider itself (tests: a new one is built, with a new client, on the next read)."""
    global _secrets_provider
    with _secrets_lock:
        _secrets_provider = None
