"""The one settings model: every environment variable the code reads, typed, read lazily and cached.

``get_settings()`` reads the environment once per process (cold start), validates it and checks what a function
needs to run (the required names, F2, F5); tests call ``reset_settings()`` after changing the environment.
``get_environment()`` is the same model without the function checks, for code that also runs in the admin
commands (the catalog, the portal configuration store); ``read_settings()`` parses afresh (the admin commands,
once per run). Nothing here is read at import time, and nothing outside this module reads ``os.environ``
(observability keeps Powertools' own variables, see there).

Variable names: STAGE, STRIPE_API_BASE, STRIPE_SECRET_NAME, STRIPE_WEBHOOK_SECRET_NAME, STRIPE_PUBLISHABLE_KEY,
STRIPE_LIVEMODE, TABLE_NAME, IDEMPOTENCY_TABLE_NAME, USER_POOL_ID, APP_BASE_URL, RETURN_PATH_PREFIXES,
APP_RETURN_URLS, CATALOG_PATH, EVENT_BUS_NAME, INVITATION_LOG_PATH, GRACE_PERIOD_DAYS, CANCELLATION_MODE,
POWERTOOLS_IDEMPOTENCY_DISABLED, AWS_REGION / AWS_DEFAULT_REGION; the background paths' share of Stripe's rate
limit and their fan-out: RECONCILE_QUEUE_URL, RECONCILE_STRIPE_RATE, RECONCILE_CONCURRENCY, RECONCILE_BATCH_SIZE,
RECONCILE_MAX_RECEIVES, WEBHOOK_STRIPE_RATE, WEBHOOK_CONCURRENCY (docs/scale.md); admin commands only:
STRIPE_SECRET_KEY, PORTAL_HEADLINE, PORTAL_PRIVACY_POLICY_URL, PORTAL_TERMS_OF_SERVICE_URL.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from billing_core.errors import ConfigurationError

Stage = Literal["local", "dev", "prod"]
_STAGES: tuple[Stage, ...] = ("local", "dev", "prod")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
#: ``at_period_end`` (default) or ``immediately`` (cancel now, prorated credit).
CANCELLATION_MODES = ("at_period_end", "immediately")
_REQUIRED = ("table_name", "idempotency_table_name", "stripe_secret_name")


class Settings(BaseModel):
    """The deployment's configuration. Build with ``get_settings()``; an invalid value -> ``ConfigurationError``.

    A plain pydantic model filled from the environment by ``read_settings`` (each field from the variable of the
    same name, any case): pydantic-settings did the same with ~50-140 ms more of cold start (its sources,
    dotenv and CLI support are never used here; docs/adr/0008-lean-cold-start-and-snapstart.md)."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    stage: Stage = "local"
    table_name: str = ""
    idempotency_table_name: str = ""
    stripe_secret_name: str = ""
    stripe_webhook_secret_name: str = ""
    stripe_api_base: str | None = None
    stripe_publishable_key: str = ""
    stripe_livemode: bool = False
    user_pool_id: str = ""
    app_base_url: str = ""
    return_path_prefixes: tuple[str, ...] = ("/billing",)
    app_return_urls: tuple[str, ...] = ()
    """App links a client may name as a return target (``return_url``): ``https://`` universal / app links and
    custom schemes (``myapp://billing``), comma-separated; compared exactly, case included (docs/mobile.md)."""
    catalog_path: str | None = None
    event_bus_name: str | None = None
    #: Offline: invitations are appended to this file instead of being published (``.local/invitations.log``).
    invitation_log_path: str = ""
    grace_period_days: int = 7
    cancellation_mode: str = "at_period_end"
    powertools_idempotency_disabled: str = "false"
    aws_region: str = ""
    aws_default_region: str = ""
    # scale: the background paths' share of Stripe's per-second limit and their fan-out (docs/scale.md)
    reconcile_queue_url: str = ""
    reconcile_stripe_rate: float = 16.0
    """Stripe calls per second for every reconcile worker together (live limit: 100 per account)."""
    reconcile_concurrency: int = 5
    """The reconcile queue's maximum concurrency (the template passes the same parameter to both)."""
    reconcile_batch_size: int = 50
    reconcile_max_receives: int = 3
    """The queue's redrive ``maxReceiveCount``: a customer retried alone fails for good on this receive."""
    webhook_stripe_rate: float = 12.0
    """Stripe calls per second for every webhook instance together."""
    webhook_concurrency: int = 10
    """The webhook's reserved concurrency (the template passes the same parameter to both)."""
    # admin commands (catalog sync, portal configuration)
    stripe_secret_key: str = ""
    portal_headline: str = ""
    portal_privacy_policy_url: str = ""
    portal_terms_of_service_url: str = ""

    @property
    def deployed(self) -> bool:
        """True in dev and prod (anything that runs on AWS)."""
        return self.stage != "local"

    @property
    def region(self) -> str:
        return self.aws_region or self.aws_default_region or "us-east-1"

    # -- parsing (same messages as ever) --------------------------------------------------------------
    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, raw: Any) -> str:
        stage = str(raw).strip().lower()
        if stage not in _STAGES:
            raise ConfigurationError(message_for_logs=f"STAGE must be one of {', '.join(_STAGES)}, got {stage!r}")
        return stage

    @field_validator("grace_period_days", mode="before")
    @classmethod
    def _grace(cls, raw: Any) -> int:
        try:
            grace = int(str(raw).strip() or "7")
        except ValueError:
            raise ConfigurationError(message_for_logs="GRACE_PERIOD_DAYS must be an integer") from None
        if not 0 <= grace <= 60:
            raise ConfigurationError(message_for_logs="GRACE_PERIOD_DAYS must be between 0 and 60")
        return grace

    @field_validator("stripe_livemode", mode="before")
    @classmethod
    def _livemode(cls, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        value = str(raw).strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigurationError(message_for_logs="STRIPE_LIVEMODE must be true or false")

    @field_validator("return_path_prefixes", mode="before")
    @classmethod
    def _prefixes(cls, raw: Any) -> tuple[str, ...]:
        parts = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(p.strip() for p in parts if p.strip()) or ("/billing",)

    @field_validator("app_return_urls", mode="before")
    @classmethod
    def _app_links(cls, raw: Any) -> tuple[str, ...]:
        parts = raw.split(",") if isinstance(raw, str) else list(raw)
        links = tuple(p.strip() for p in parts if p.strip())
        for link in links:
            problem = app_link_problem(link)
            if problem:
                raise ConfigurationError(message_for_logs=f"APP_RETURN_URLS entry {link!r}: {problem}")
        return links

    @field_validator("stripe_api_base", "catalog_path", "event_bus_name", mode="before")
    @classmethod
    def _optional(cls, raw: Any) -> str | None:
        return (str(raw).strip() or None) if raw is not None else None

    @field_validator("reconcile_stripe_rate", "webhook_stripe_rate", mode="before")
    @classmethod
    def _rate(cls, raw: Any) -> float:
        try:
            rate = float(str(raw).strip())
        except ValueError:
            raise ConfigurationError(message_for_logs="a Stripe rate budget must be a number per second") from None
        if not 0 < rate <= 10_000:
            raise ConfigurationError(message_for_logs="a Stripe rate budget must be above 0 and at most 10000")
        return rate

    @field_validator(
        "reconcile_concurrency", "reconcile_batch_size", "reconcile_max_receives", "webhook_concurrency", mode="before"
    )
    @classmethod
    def _count(cls, raw: Any) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ConfigurationError(
                message_for_logs="a concurrency, batch size or receive count must be an integer"
            ) from None
        if not 1 <= value <= 1000:
            raise ConfigurationError(message_for_logs="concurrency, batch size and receive count must be 1 to 1000")
        return value

    @field_validator("cancellation_mode", mode="before")
    @classmethod
    def _cancellation_mode(cls, raw: Any) -> str:
        mode = str(raw).strip().lower()
        return mode if mode in CANCELLATION_MODES else "at_period_end"

    # -- what a function needs to run ------------------------------------------------------------------
    def check_runtime(self) -> Settings:
        """The required names, F5 and F2; returns ``self``. Raises ``ConfigurationError`` with a log message."""
        for name in _REQUIRED:
            if not getattr(self, name):
                raise ConfigurationError(message_for_logs=f"{name.upper()} is not set")
        _check_idempotency_enabled(self)  # F5
        if self.stripe_livemode and self.stage != "prod":
            raise ConfigurationError(message_for_logs="STRIPE_LIVEMODE=true is only allowed in STAGE=prod")
        if self.stripe_publishable_key:
            check_key_matches_stage(self.stripe_publishable_key, self)
        return self


#: Schemes an app link may not use: the browser's own (a web return goes through APP_BASE_URL and
#: RETURN_PATH_PREFIXES) and those that run or embed content.
_FORBIDDEN_SCHEMES = frozenset({"http", "javascript", "vbscript", "data", "file", "blob", "about", "ftp", "ws", "wss"})
_APP_LINK = re.compile(r"^([a-z][a-z0-9+.\-]*)://([a-z0-9.\-]*)(/[A-Za-z0-9\-._~/]*)?$")


def app_link_problem(link: str) -> str | None:
    """Why an ``APP_RETURN_URLS`` entry is refused, or None: lower-case ``scheme://host/path`` with no userinfo,
    port, query, fragment, percent-encoding or dot segments; ``https`` needs a dotted host; no browser schemes."""
    m = _APP_LINK.match(link)
    if not m:
        return "must be a lower-case scheme://host/path without userinfo, port, query or percent-encoding"
    scheme, host, path = m.group(1), m.group(2), m.group(3) or ""
    if scheme in _FORBIDDEN_SCHEMES:
        return f"the {scheme} scheme is not an app link"
    if scheme == "https" and ("." not in host or host.startswith(".") or host.endswith(".")):
        return "an https link needs a host name"
    if "//" in path or any(segment in (".", "..") for segment in path.split("/")):
        return "no empty or dot segments"
    return None


def read_settings() -> Settings:
    """Parse the environment now (uncached), without the function checks (admin commands)."""
    env = {name.lower(): value for name, value in os.environ.items()}
    return Settings.model_validate({name: env[name] for name in Settings.model_fields if name in env})


def load_settings() -> Settings:
    """Read and validate the environment (uncached). Raises ``ConfigurationError`` with a log message."""
    return read_settings().check_runtime()


def _check_idempotency_enabled(settings: Settings) -> None:
    """F5: Powertools idempotency must not be switched off by environment in a deployed stage."""
    raw = settings.powertools_idempotency_disabled.strip().lower()
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
    """The process-wide settings of a function (read on first use, checked, then cached)."""
    return load_settings()


@lru_cache(maxsize=1)
def get_environment() -> Settings:
    """The process-wide settings without the function checks (code shared with the admin commands)."""
    return read_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests, or after changing the environment)."""
    get_settings.cache_clear()
    get_environment.cache_clear()
