"""Typed settings, read lazily from the environment and cached.

``get_settings()`` reads the environment once per process (cold start) and validates it; tests call
``reset_settings()`` after changing the environment. Nothing here is read at import time.

Variable names: STAGE, STRIPE_API_BASE, STRIPE_SECRET_NAME, STRIPE_WEBHOOK_SECRET_NAME,
STRIPE_PUBLISHABLE_KEY, STRIPE_LIVEMODE, TABLE_NAME, IDEMPOTENCY_TABLE_NAME, USER_POOL_ID, APP_BASE_URL,
RETURN_PATH_PREFIXES, CATALOG_PATH, EVENT_BUS_NAME, GRACE_PERIOD_DAYS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from billing_core.errors import ConfigurationError

Stage = Literal["local", "dev", "prod"]
_STAGES: tuple[Stage, ...] = ("local", "dev", "prod")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(message_for_logs=f"{name} must be true or false")


def _csv(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, default).split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """The deployment's configuration. Build with ``get_settings()``."""

    stage: Stage
    table_name: str
    idempotency_table_name: str
    stripe_secret_name: str
    stripe_webhook_secret_name: str = ""
    stripe_api_base: str | None = None
    stripe_publishable_key: str = ""
    stripe_livemode: bool = False
    user_pool_id: str = ""
    app_base_url: str = ""
    return_path_prefixes: tuple[str, ...] = ("/billing",)
    catalog_path: str | None = None
    event_bus_name: str | None = None
    grace_period_days: int = 7
    region: str = field(default="us-east-1")

    @property
    def deployed(self) -> bool:
        """True in dev and prod (anything that runs on AWS)."""
        return self.stage != "local"


def _require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(message_for_logs=f"{name} is not set")
    return value


def load_settings() -> Settings:
    """Read and validate the environment (uncached). Raises ``ConfigurationError`` with a log message."""
    stage = os.environ.get("STAGE", "local").strip().lower()
    if stage not in _STAGES:
        raise ConfigurationError(message_for_logs=f"STAGE must be one of {', '.join(_STAGES)}, got {stage!r}")
    grace_raw = os.environ.get("GRACE_PERIOD_DAYS", "7").strip() or "7"
    try:
        grace = int(grace_raw)
    except ValueError:
        raise ConfigurationError(message_for_logs="GRACE_PERIOD_DAYS must be an integer") from None
    if not 0 <= grace <= 60:
        raise ConfigurationError(message_for_logs="GRACE_PERIOD_DAYS must be between 0 and 60")
    settings = Settings(
        stage=stage,  # type: ignore[arg-type]
        table_name=_require("TABLE_NAME"),
        idempotency_table_name=_require("IDEMPOTENCY_TABLE_NAME"),
        stripe_secret_name=_require("STRIPE_SECRET_NAME"),
        stripe_webhook_secret_name=os.environ.get("STRIPE_WEBHOOK_SECRET_NAME", "").strip(),
        stripe_api_base=os.environ.get("STRIPE_API_BASE", "").strip() or None,
        stripe_publishable_key=os.environ.get("STRIPE_PUBLISHABLE_KEY", "").strip(),
        stripe_livemode=_bool("STRIPE_LIVEMODE"),
        user_pool_id=os.environ.get("USER_POOL_ID", "").strip(),
        app_base_url=os.environ.get("APP_BASE_URL", "").strip(),
        return_path_prefixes=_csv("RETURN_PATH_PREFIXES", "/billing") or ("/billing",),
        catalog_path=os.environ.get("CATALOG_PATH", "").strip() or None,
        event_bus_name=os.environ.get("EVENT_BUS_NAME", "").strip() or None,
        grace_period_days=grace,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    _check_idempotency_enabled(settings)  # F5
    if settings.stripe_livemode and settings.stage != "prod":
        raise ConfigurationError(message_for_logs="STRIPE_LIVEMODE=true is only allowed in STAGE=prod")
    if settings.stripe_publishable_key:
        check_key_matches_stage(settings.stripe_publishable_key, settings)
    return settings


def _check_idempotency_enabled(settings: Settings) -> None:
    """F5: Powertools idempotency must not be switched off by environment in a deployed stage."""
    raw = os.environ.get("POWERTOOLS_IDEMPOTENCY_DISABLED", "false").strip().lower()
    if settings.deployed and raw not in _FALSE:
        raise ConfigurationError(
            message_for_logs="POWERTOOLS_IDEMPOTENCY_DISABLED is set in a deployed stage; refusing to start"
        )


def check_key_matches_stage(key: str, settings: Settings) -> None:
    """F2: refuse a live key outside prod, and a test key in prod when STRIPE_LIVEMODE=true.

    Accepts secret (``sk_``), restricted (``rk_``) and publishable (``pk_``) keys. Raises
    ``ConfigurationError`` (-> 500 and the ``ConfigurationError`` metric) with a clear log message.
    """
    key = key.strip()
    prefix, _, rest = key.partition("_")
    mode, _, _ = rest.partition("_")
    if prefix not in {"sk", "rk", "pk"} or mode not in {"live", "test"}:
        raise ConfigurationError(message_for_logs="Stripe key has an unknown format")
    if mode == "live" and settings.stage != "prod":
        raise ConfigurationError(
            message_for_logs=f"a live Stripe key is configured in stage {settings.stage!r}; refusing to start"
        )
    if mode == "test" and settings.stage == "prod" and settings.stripe_livemode:
        raise ConfigurationError(
            message_for_logs="a test Stripe key is configured in prod with STRIPE_LIVEMODE=true; refusing to start"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read on first use, then cached)."""
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests, or after changing the environment)."""
    get_settings.cache_clear()
