"""A stripe-python client on the emulator that records what it sent: the one thing the emulator cannot answer
(which requests our code made, and how many were in flight at once)."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import stripe


class RecordingHttpClient(stripe.RequestsClient):
    """Records ``(method, path)`` of each request in ``sent``, and the peak number in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []
        self.in_flight_max = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kw: Any) -> Any:
        with self._lock:
            self.sent.append((method.upper(), urlsplit(url).path))
            self._in_flight += 1
            self.in_flight_max = max(self.in_flight_max, self._in_flight)
        try:
            return super().request(method, url, headers, post_data, **kw)
        finally:
            with self._lock:
                self._in_flight -= 1

    def forget(self) -> None:
        with self._lock:
            self.sent.clear()
            self.in_flight_max = 0


def recording_client(emulator: Any) -> tuple[stripe.StripeClient, RecordingHttpClient]:
    http = RecordingHttpClient()
    client = stripe.StripeClient(emulator.secret_key, base_addresses={"api": emulator.api_base}, http_client=http)
    return client, http
