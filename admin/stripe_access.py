"""Stripe access for operator commands: a gateway from a key in the environment or the Stripe secret."""

from __future__ import annotations

from typing import Any

from billing_core.errors import ConfigurationError
from billing_core.settings import Settings, read_settings
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_fields import as_dict
from billing_core.stripe_fields import field as g
from billing_core.stripe_gateway import StripeGateway
from billing_core.stripe_secrets import read_secret, stripe_key_from_secret

#: ``metadata.managed_by`` on every Stripe object the commands create.
MANAGED_BY = "billing-self-service"


def admin_gateway(settings: Settings | None = None) -> StripeGateway:
    """A gateway for operator commands: ``STRIPE_SECRET_KEY`` or the ``STRIPE_SECRET_NAME`` secret."""
    env = settings or read_settings()
    key = env.stripe_secret_key
    if not key:
        if not env.stripe_secret_name:
            raise ConfigurationError(message_for_logs="set STRIPE_SECRET_KEY or STRIPE_SECRET_NAME")
        key = stripe_key_from_secret(read_secret(env.stripe_secret_name))
    if "_live_" in key[:8] and env.stage != "prod":
        raise ConfigurationError(message_for_logs=f"a live Stripe key in stage {env.stage!r}; refusing to run")
    return StripeGateway(client=build_stripe_client(key, env.stripe_api_base))


def metadata_of(obj: Any) -> dict[str, Any]:
    """An object's metadata as a plain dict."""
    return as_dict(g(obj, "metadata") or {})
