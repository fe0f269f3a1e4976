"""The emulator's state: every Stripe object by id, the event log, and the clock.

Objects are stored in their API shape (plain dicts, references as ids) and built by the resource modules under
`resources/`. The backend validates before it mutates and does every mutation under one lock, so a request
either applies fully or not at all. `reset()` returns to an empty account (tests call it between cases).
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from .errors import invalid_request, resource_missing

_ALPHABET = string.ascii_letters + string.digits

# Human names used in "No such <kind>" messages, by id prefix.
KIND_BY_PREFIX = {
    "cus": "customer",
    "prod": "product",
    "price": "price",
    "pm": "PaymentMethod",
    "seti": "setupintent",
    "pi": "payment_intent",
    "sub": "subscription",
    "si": "subscription_item",
    "in": "invoice",
    "ii": "invoiceitem",
    "sub_sched": "subscription_schedule",
    "clock": "test_clock",
    "evt": "event",
    "we": "webhook_endpoint",
    "txi": "tax_id",
    "cs": "checkout.session",
    "bpc": "configuration",
    "bps": "billing_portal.session",
    "promo": "promotion_code",
    "ch": "charge",
    "il": "line_item",
}


def new_id(prefix: str, length: int = 24) -> str:
    """`prefix_` and `length` random letters and digits, from one read of the system's randomness (a letter per
    read cost the emulator a tenth of its time under load)."""
    value = int.from_bytes(secrets.token_bytes(length), "big")  # 8 bits per letter: ample for 62 letters
    letters = []
    for _ in range(length):
        value, index = divmod(value, len(_ALPHABET))
        letters.append(_ALPHABET[index])
    return f"{prefix}_" + "".join(letters)


class Backend:
    """All state of one emulated Stripe account (test mode)."""

    def __init__(self, secret_key: str, publishable_key: str) -> None:
        self.secret_key = secret_key
        self.publishable_key = publishable_key
        self.lock = threading.RLock()
        self.event_listeners: list[Callable[[dict[str, Any]], None]] = []
        self.emulator: Any = None  # the EmulatorServer serving this backend, if any (control endpoints)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            # A plain dict; `invoices.create_preview` swaps in a copy-on-read view for the duration of a preview.
            self.objects: MutableMapping[str, dict[str, Any]] = {}
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

    def store(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace an object; it must carry `id` and `object`."""
        with self.lock:
            if obj["id"] not in self.objects:
                self.seq += 1
                obj.setdefault("_seq", self.seq)
                self.by_type.setdefault(obj["object"], []).append(obj["id"])
                if obj["object"] in CUSTOMER_INDEXED and isinstance(obj.get("customer"), str):
                    self.by_customer.setdefault((obj["object"], obj["customer"]), []).append(obj["id"])
            self.objects[obj["id"]] = obj
            return obj

    def delete(self, obj_id: str) -> None:
        with self.lock:
            obj = self.objects.pop(obj_id, None)
            if obj is not None:
                self.by_type[obj["object"]].remove(obj_id)
                ids = self.by_customer.get((obj["object"], obj.get("customer")))  # type: ignore[arg-type]
                if ids is not None and obj_id in ids:
                    ids.remove(obj_id)

    def get(self, obj_id: Any, object_type: str | None = None, *, param: str = "id") -> dict[str, Any]:
        """The stored object, or Stripe's 404 `resource_missing`."""
        obj = self.objects.get(obj_id) if isinstance(obj_id, str) else None
        if obj is None or (object_type and obj["object"] != object_type):
            kind = object_type or KIND_BY_PREFIX.get(str(obj_id).rsplit("_", 1)[0], "object")
            raise resource_missing(kind, str(obj_id), param)
        return obj

    def all(
        self,
        object_type: str,
        where: Callable[[dict[str, Any]], bool] | None = None,
        *,
        customer: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of a type, newest first (Stripe's list order); with `customer`, only that customer's (from an
        index for the types in `CUSTOMER_INDEXED`, so a lookup does not grow with the account)."""
        if customer is None:
            objs = [self.objects[i] for i in self.by_type.get(object_type, [])]
        elif object_type in CUSTOMER_INDEXED:
            objs = [self.objects[i] for i in self.by_customer.get((object_type, customer), [])]
        else:
            objs = [
                o for o in (self.objects[i] for i in self.by_type.get(object_type, [])) if o.get("customer") == customer
            ]
        if where:
            objs = [o for o in objs if where(o)]
        return sorted(objs, key=lambda o: (o.get("created", 0), o.get("_seq", 0)), reverse=True)

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

    def render(self, obj: dict[str, Any], expand: Iterable[str] = ()) -> dict[str, Any]:
        """A deep copy without private keys, with `expand` paths replaced by the objects they name."""
        out: dict[str, Any] = _public(obj)
        for path in expand:
            self._expand(out, path.split("."))
        return out

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
        self, objs: list[dict[str, Any]], params: dict[str, Any], url: str, expand: Iterable[str] = ()
    ) -> dict[str, Any]:
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
        obj: dict[str, Any],
        previous_attributes: dict[str, Any] | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record an event for `obj` (rendered now, a snapshot) and hand it to the webhook deliverer."""
        with self.lock:
            data: dict[str, Any] = {"object": self.render(obj)}
            if previous_attributes is not None:
                data["previous_attributes"] = previous_attributes
            customer = obj.get("customer") if obj.get("object") != "customer" else obj.get("id")
            evt_id = new_id("evt")
            evt: dict[str, Any] = {
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

#: Types whose `customer` is set when they are created and never changes (as in Stripe), so `Backend.all` can find a
#: customer's objects from an index. Payment methods, tax ids and payment intents can gain a customer later: scanned.
CUSTOMER_INDEXED = frozenset({"invoice", "invoiceitem", "subscription", "subscription_schedule"})


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
