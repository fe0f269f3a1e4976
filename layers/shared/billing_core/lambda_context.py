"""The time an invocation has left, from the Lambda context (one reading for the app, the webhook, reconcile)."""

from __future__ import annotations

from typing import Any


def remaining_seconds(context: Any, default: float) -> float:
    """Seconds until the invocation's deadline (``get_remaining_time_in_millis``); ``default`` outside Lambda
    (no context, or a context without a usable clock: tests, the local gateway before it sets one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        try:
            return float(remaining()) / 1000
        except (TypeError, ValueError):
            pass
    return default
