"""Stripe's `Idempotency-Key`: the first response of a key is stored for 24 hours and replayed.

A replay with other parameters is 400 `idempotency_error`; a second request while the first is still running is
409 `idempotency_key_in_use`; validation errors and conflicts (400, 401, 409, 429) are not stored, so a corrected
retry with the same key runs. Keys are per API key and at most 255 characters.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable

from .errors import StripeAPIError, invalid_request
from .router import Request

IDEMPOTENCY_TTL_S = 24 * 3600

#: (status, body, content type, headers) as the HTTP layer sends it.
Response = tuple[int, bytes, str, dict[str, str]]


class IdempotencyStore:
    """Stored first responses by (api key, Idempotency-Key)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: dict[tuple[str, str], tuple[str, int, bytes, float]] = {}
        self.in_flight: set[tuple[str, str]] = set()

    def reset(self) -> None:
        with self.lock:
            self.done.clear()
            self.in_flight.clear()

    def run(self, req: Request, key: tuple[str, str], raw: bytes, dispatch: Callable[[], Response]) -> Response:
        """The response to send: the stored one for a replay, else ``dispatch()``'s (stored unless refused)."""
        if len(key[1]) > 255:
            raise invalid_request("Idempotency-Key must be at most 255 characters.", param="Idempotency-Key")
        fingerprint = hashlib.sha256(req.method.encode() + req.path.encode() + b"\0" + raw).hexdigest()
        with self.lock:
            saved = self.done.get(key)
            if saved and time.time() - saved[3] < IDEMPOTENCY_TTL_S:
                if saved[0] != fingerprint:
                    raise StripeAPIError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key[1]}' if you meant to execute a different "
                        "request.",
                    )
                replayed = {"Request-Id": req.request_id, "Idempotent-Replayed": "true", "Idempotency-Key": key[1]}
                return saved[1], saved[2], "application/json", replayed
            if key in self.in_flight:
                raise StripeAPIError(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this Stripe token (probably means you "
                    "clicked twice). Please try again in a few seconds.",
                    code="idempotency_key_in_use",
                )
            self.in_flight.add(key)
        try:
            try:
                status, body, ctype, headers = dispatch()
            except StripeAPIError as exc:
                status, body, ctype, headers = (
                    exc.status,
                    json.dumps(exc.body(req.request_id)).encode(),
                    "application/json",
                    exc.headers,
                )
                if exc.status in (400, 401, 409, 429):  # validation and conflicts are not stored
                    return status, body, ctype, headers | {"Request-Id": req.request_id}
            with self.lock:
                self.done[key] = (fingerprint, status, body, time.time())
            return status, body, ctype, headers | {"Request-Id": req.request_id, "Idempotency-Key": key[1]}
        finally:
            with self.lock:
                self.in_flight.discard(key)
