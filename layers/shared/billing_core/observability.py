"""Logger, Metrics and Tracer, created once, plus the log scrubber.

Import ``logger``, ``metrics`` and ``tracer`` (or ``get_tracer()``) from here; never create others. Log with
keyword fields (``logger.info("plan changed", extra={"price": ...})``) and never log request bodies, webhook
payloads or Stripe objects. Everything a handler prints goes through :class:`ScrubbingFormatter`, which redacts
Stripe keys, webhook secrets, bearer tokens, client secrets, e-mail addresses and hosted session URLs
as a last line of defence (F6).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

# Powertools' own variables stay here, outside the settings model: Logger and Metrics are built at import (every
# module logs), before any settings could be read, and Powertools reads these same names itself; the settings
# model is for this project's variables, read lazily.
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "billing")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "BillingSelfService")

REDACTED = "[REDACTED]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Stripe secret / restricted / webhook secrets (publishable keys are public but redact them alike).
    (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"\bwhsec_[A-Za-z0-9]+"), REDACTED),
    # Client secrets of PaymentIntents / SetupIntents: pi_xxx_secret_yyy, seti_xxx_secret_yyy, ...
    (re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"_secret_[A-Za-z0-9]+"), REDACTED),
    # Authorization headers and bearer tokens (JWTs).
    (re.compile(r"Bearer\s+[A-Za-z0-9\-_.~+/=]+", re.IGNORECASE), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), REDACTED),
    # Hosted portal / checkout session URLs (short-lived credentials).
    (
        re.compile(r"https?://[^\s\"']*(?:billing\.stripe\.com|checkout\.stripe\.com|/p/session/|/c/pay/)[^\s\"']*"),
        REDACTED,
    ),
    (re.compile(r"https?://[^\s\"']*/(?:portal|checkout)[-_/]?sessions?/[^\s\"']*", re.IGNORECASE), REDACTED),
    # E-mail addresses.
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), REDACTED),
)


def scrub(text: str) -> str:
    """Redact secrets and personal data from one string."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubbingFormatter(LambdaPowertoolsFormatter):
    """Powertools JSON formatter whose final output is scrubbed (message, extra keys, exceptions)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class ScrubbingFilter(logging.Filter):
    """A filter for non-Powertools loggers (e.g. ``stripe``, ``botocore``): scrubs message and args."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(str(record.getMessage()))
        record.args = None
        return True


logger = Logger(service=SERVICE, logger_formatter=ScrubbingFormatter())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_tracer: Tracer | None = None


def tracing_enabled() -> bool:
    """Powertools' rule for sending traces: inside Lambda (not SAM local), unless ``POWERTOOLS_TRACE_DISABLED``."""
    if resolve_truthy_env_var_choice(env=os.environ.get(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_lambda = bool(os.environ.get(constants.LAMBDA_TASK_ROOT_ENV))
    emulated = bool(os.environ.get(constants.SAM_LOCAL_ENV) or os.environ.get(constants.CHALICE_LOCAL_ENV))
    return in_lambda and not emulated


def get_tracer() -> Tracer:
    """The one Powertools ``Tracer`` (also importable as ``tracer``)."""
    global _tracer
    if _tracer is None:
        _tracer = Tracer(service=SERVICE)
    return _tracer


# Building a Tracer imports the X-Ray SDK (~100 ms of cold start). Where traces are sent it is built at import,
# so it patches boto3 and requests before the first call as before; elsewhere (tests, the offline stack, or
# POWERTOOLS_TRACE_DISABLED) only on first use.
if tracing_enabled():
    get_tracer()


def __getattr__(name: str) -> Any:
    if name == "tracer":
        return get_tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


for _name in ("stripe", "botocore", "boto3", "urllib3"):
    logging.getLogger(_name).addFilter(ScrubbingFilter())


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Add a count metric (flushed once per request by the app factory)."""
    if dimensions:
        # Dimensions would apply to the whole metric set; emit them as metadata instead.
        for key, dim_value in dimensions.items():
            metrics.add_metadata(key=key, value=dim_value)
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


_muted = False


def flush_metrics() -> None:
    """Publish the metrics gathered during one request, if any (no warning when empty); dropped while muted."""
    if _muted:
        metrics.clear_metrics()
    elif metrics.provider.metric_set:
        metrics.flush_metrics()


@contextmanager
def muted() -> Iterator[None]:
    """Within this block no metric is published and only errors are logged (SnapStart's priming requests)."""
    global _muted
    level = logger.log_level
    _muted = True
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        _muted = False
        logger.setLevel(level)
        metrics.clear_metrics()
