"""The webhook signing secrets: one or more ``whsec_`` values, comma separated, in one Secrets Manager secret.

Read through Powertools Parameters (cached, ``billing_core.stripe_secrets.read_secret``). After a signature
failure the verifier forces one re-read (F1: the secret was rotated while cached) — at most once per
``FORCE_INTERVAL_S`` per process, so a flood of forged requests cannot turn into a flood of Secrets Manager
calls. A missing or blank secret fails closed (F3): ``ConfigurationError`` -> 500 and the alarm metric.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from billing_core.errors import ConfigurationError
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from billing_core.stripe_secrets import read_secret

FORCE_INTERVAL_S = 10.0

SecretReader = Callable[..., str]


class WebhookSecrets:
    def __init__(
        self,
        secret_name: str | None = None,
        reader: SecretReader = read_secret,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._name = secret_name
        self._reader = reader
        self._clock = clock
        self._last_forced: float | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        name = self._name if self._name is not None else get_settings().stripe_webhook_secret_name
        if not name:
            count("WebhookSecretMissing")
            raise ConfigurationError(message_for_logs="STRIPE_WEBHOOK_SECRET_NAME is not set")
        return name

    def current(self) -> tuple[str, ...]:
        return self._parse(self._read(force=False))

    def _read(self, *, force: bool) -> str:
        try:
            return self._reader(self.name, force=force)
        except ConfigurationError:
            count("WebhookSecretMissing")
            raise

    def refreshed(self) -> tuple[str, ...] | None:
        """Force one re-read (rotation); None when a forced read happened too recently."""
        with self._lock:
            now = self._clock()
            if self._last_forced is not None and now - self._last_forced < FORCE_INTERVAL_S:
                return None
            self._last_forced = now
        count("WebhookSecretReread")
        return self._parse(self._read(force=True))

    @staticmethod
    def _parse(raw: str) -> tuple[str, ...]:
        secrets = tuple(part.strip() for part in (raw or "").split(",") if part.strip())
        if not secrets:
            count("WebhookSecretMissing")
            logger.error("webhook secret is blank; refusing every event")
            raise ConfigurationError(message_for_logs="webhook signing secret is blank")
        return secrets
