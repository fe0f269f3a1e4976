"""The emulator's state: every Stripe object by id, the event log, and the clock.

Objects are stored in their API shape (dicts, references as ids; one typed model per kind in `models/`, read back
typed through `get` / `all` from `typed_access.py`) and built by the resource modules under `resources/`. The
backend validates before it mutates and does every mutation under one lock, so a request either applies fully or
not at all. `reset()` returns to an empty account (tests call it between cases).
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any, cast

from .errors import invalid_request, resource_missing
from .models.base import Rendered
from .models.events import Event
from .typed_access import CUSTOMER_INDEXED, KIND_BY_PREFIX, TypedAccess

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """`prefix_` and `length` random letters and digits, from one read of the system's randomness (a letter per
    read cost the emulator a tenth of its time under load)."""
    value = int.from_bytes(secrets.token_bytes(length), "big")  # 8 bits per letter: ample for 62 letters
    letters = []
    for _ in range(length):
        value, index = divmod(value, len(_ALPHABET))
        letters.append(_ALPHABET[index])
    return f"{prefix}_" + "".join(letters)


class Backend(TypedAccess):
    """All state of one emulated Stripe account (test mode)."""

    def __init__(self, secret_key: str, publishable_key: str) -> None:
        self.secret_key = secret_key
        self.publishable_key = publishable_key
        self.lock = threading.RLock()
        self.event_listeners: list[Callable[[Event], None]] = []
        self.emulator: Any = None  # the EmulatorServer serving this backend, if any (control endpoints)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            # A plain dict; `invoices.create_preview` swaps in a copy-on-read view for the duration of a preview.
            self.objects: MutableMapping[str, Any] = {}
            self.by_type: dict[str, list[str]] = {}
            self.by_customer: dict[tuple[str, str], list[str]] = {}  # (type, customer) -> ids, CUSTOMER_INDEXED
            self.events: list[str] = []
            self.seq = 0  # creation order tiebreaker within one second
            self.extra: dict[str, Any] = {}  # per-resource private state (e.g. card behaviours, coupons used)
            for hook in list(self.reset_hooks):
                hook(self)

    reset_hooks: list[Callable[[Backend], None]] = []

    # --- time ------------------------------------------------------------------------------------------------

    def now(self, test_clock: str | None = None) -> int:
        """Unix time; frozen at the test clock's time for objects attached to one."""
        if test_clock:
            clock = self.objects.get(test_clock)
            if clock is not None:
                return int(clock["frozen_time"])
        return int(time.time())

    def now_for_customer(self, customer_id: str | None) -> int:
        if customer_id:
            cus = self.objects.get(customer_id)
            if cus is not None:
                return self.now(cus.get("test_clock"))
        return self.now()

    # --- storage ---------------------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return new_id(prefix)

    def store[T: Mapping[str, Any]](self, obj: T) -> T:
        """Insert or replace an object (a model from `models/`); it must carry `id` and `object`."""
        with self.lock:
            raw = cast(dict[str, Any], obj)  # every model is a dict; the bound only keeps the caller's type
            if raw["id"] not in self.objects:
                self.seq += 1
                raw.setdefault("_seq", self.seq)
                self.by_type.setdefault(raw["object"], []).append(raw["id"])
                if raw["object"] in CUSTOMER_INDEXED and isinstance(raw.get("customer"), str):
                    self.by_customer.setdefault((raw["object"], raw["customer"]), []).append(raw["id"])
            self.objects[raw["id"]] = raw
            return obj

    def delete(self, obj_id: str) -> None:
        with self.lock:
            obj = self.objects.pop(obj_id, None)
            if obj is not None:
                self.by_type[obj["object"]].remove(obj_id)
                ids = self.by_customer.get((obj["object"], obj.get("customer")))
                if ids is not None and obj_id in ids:
                    ids.remove(obj_id)

    def index_errors(self) -> list[str]:
        """Where `by_customer` differs from a scan of the objects (expected: none). The pytest plugin checks it
        after every test, so an object whose customer changes after it was stored cannot hide in the index."""
        with self.lock:
            scanned: dict[tuple[str, str], list[str]] = {}
            for kind in sorted(CUSTOMER_INDEXED):
                for obj_id in self.by_type.get(kind, []):
                    customer = self.objects[obj_id].get("customer")
                    if isinstance(customer, str):
                        scanned.setdefault((kind, customer), []).append(obj_id)
            indexed = {key: ids for key, ids in self.by_customer.items() if ids}
            return [
                f"{kind} of {customer}: index {sorted(indexed.get((kind, customer), []))}, "
                f"objects {sorted(scanned.get((kind, customer), []))}"
                for kind, customer in sorted(set(scanned) | set(indexed))
                if sorted(indexed.get((kind, customer), [])) != sorted(scanned.get((kind, customer), []))
            ]

    # --- rendering -------------------------------------------------------------------------------------------

    def render(self, obj: Mapping[str, Any], expand: Iterable[str] = ()) -> Rendered:
        """A deep copy without private keys, with `expand` paths replaced by the objects they name."""
        out: Rendered = _public(obj)
        for path in expand:
            self._expand(out, path.split("."))
        return out

    def public_copy[T: Mapping[str, Any]](self, obj: T) -> T:
        """`render` without expansion, keeping the model: the public copy of an object embedded in another (a
        subscription item's `price`); its type is the model's, its private keys are gone."""
        return cast(T, _public(obj))

    def _expand(self, node: Any, parts: list[str]) -> None:
        if not parts or node is None:
            return
        head, rest = parts[0], parts[1:]
        if isinstance(node, list):
            for item in node:
                self._expand(item, parts)
            return
        if not isinstance(node, dict):
            return
        if head == "data" and node.get("object") == "list":
            for item in node.get("data", []):
                self._expand(item, rest)
            return
        if head not in node:
            raise invalid_request(f"This property cannot be expanded ({head}).", param="expand")
        value = node[head]
        if isinstance(value, str) and value in self.objects:
            node[head] = value = _public(self.objects[value])
        elif isinstance(value, list):
            expanded = []
            for v in value:
                if isinstance(v, str) and v in self.objects:
                    v = _public(self.objects[v])
                expanded.append(v)
            node[head] = value = expanded
        self._expand(value, rest)

    def list_response(
        self, objs: Sequence[Mapping[str, Any]], params: dict[str, Any], url: str, expand: Iterable[str] = ()
    ) -> Rendered:
        """Stripe's list object with limit / starting_after / ending_before over newest-first `objs`."""
        limit = int(params.get("limit") or 10)
        if not 1 <= limit <= 100:
            raise invalid_request("Invalid limit: must be between 1 and 100", param="limit")
        ids = [o["id"] for o in objs]
        after, before = params.get("starting_after"), params.get("ending_before")
        if after:
            if after not in ids:
                raise resource_missing(KIND_BY_PREFIX.get(after.rsplit("_", 1)[0], "object"), after, "starting_after")
            window = objs[ids.index(after) + 1 :]
            page, has_more = window[:limit], len(window) > limit
        elif before:
            if before not in ids:
                raise resource_missing(KIND_BY_PREFIX.get(before.rsplit("_", 1)[0], "object"), before, "ending_before")
            window = objs[: ids.index(before)]
            page, has_more = window[-limit:], len(window) > limit
        else:
            page, has_more = objs[:limit], len(objs) > limit
        item_expand = [e[5:] for e in expand if e.startswith("data.")]
        return {
            "object": "list",
            "data": [self.render(o, item_expand) for o in page],
            "has_more": has_more,
            "url": url,
        }

    # --- events ----------------------------------------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        obj: Mapping[str, Any],
        previous_attributes: dict[str, Any] | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Event:
        """Record an event for `obj` (rendered now, a snapshot) and hand it to the webhook deliverer."""
        with self.lock:
            data: dict[str, Any] = {"object": self.render(obj)}
            if previous_attributes is not None:
                data["previous_attributes"] = previous_attributes
            customer = obj.get("customer") if obj.get("object") != "customer" else obj.get("id")
            evt_id = new_id("evt")
            evt: Event = {
                "id": evt_id,
                "object": "event",
                "api_version": "2026-10-28.endive",
                "context": None,
                "created": self.now_for_customer(customer if isinstance(customer, str) else None),
                "data": data,
                "livemode": False,
                "pending_webhooks": 0,
                "request": {"id": request_id, "idempotency_key": idempotency_key},
                "type": event_type,
            }
            self.store(evt)
            self.events.append(evt_id)
            listeners = list(self.event_listeners)
        for listener in listeners:
            listener(evt)
        return evt


_SCALARS = (str, int, float, bool, type(None))


def _public(obj: Any) -> Any:
    """A copy without private (`_`-prefixed) keys, in one pass: objects are JSON-shaped (dicts, lists, scalars),
    so this is `copy.deepcopy` without its memo, several times faster on the path every response and event takes."""
    if isinstance(obj, dict):
        return {k: _public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [_public(v) for v in obj]
    if isinstance(obj, _SCALARS):
        return obj
    return copy.deepcopy(obj)
