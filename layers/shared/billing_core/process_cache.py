"""A bounded, thread-safe map kept for the life of a warm process (the read path's shortcuts).

For facts that never change once true (a customer mapping, a personal account's existence): a warm request skips
the read that found them. Emptied when full (no eviction order to keep), entries optionally expire after
``ttl_seconds``; ``clear()`` for tests that recreate tables and for ``snapstart.after_restore``.
"""

from __future__ import annotations

import threading
import time


class ProcessCache[K, V]:
    def __init__(self, max_entries: int = 10_000, ttl_seconds: float | None = None) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._entries: dict[K, tuple[V, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
        if found is None or (self.ttl_seconds is not None and time.monotonic() - found[1] > self.ttl_seconds):
            return None
        return found[0]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (value, time.monotonic())

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
