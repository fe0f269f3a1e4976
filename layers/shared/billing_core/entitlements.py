"""Entitlement flags the rest of the app reads to gate features.

:func:`derive_entitlements` turns a Stripe subscription (endive shapes: the period lives on the items)
into an :class:`EntitlementRecord`: entitled while ``active``, ``trialing``, or ``past_due`` within the
grace period; every other status, including values this code does not know, is denied (E10, with the
``UnknownSubscriptionStatus`` metric). A ``paused`` subscription is not entitled; it keeps the features its plan's
``pause.entitlements`` names in the catalog (none, or a named read-only set), with ``paused`` and ``resumes_at``.
:class:`EntitlementStore` reads and writes the record at
``ACCOUNT#<id>``/``ENTITLEMENTS``; writes are guarded by a monotonic ``version`` so late or duplicate
webhooks never roll state back (ADR 0001).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from billing_core.catalog.model import Catalog
from billing_core.observability import count, logger
from billing_core.pause import resumes_at
from billing_core.settings import get_settings
from billing_core.store.base import ConditionFailed, TableStore
from billing_core.store.keys import ENTITLEMENTS_SK, account_pk, key

ENTITLED_STATUSES = frozenset({"active", "trialing"})
KNOWN_STATUSES = frozenset(
    {"active", "trialing", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "paused"}
)
DAY = 86400


class EntitlementRecord(BaseModel):
    """What the user may use now. ``entitled`` is the one flag to gate on."""

    model_config = ConfigDict(extra="ignore")

    plan: str | None = None
    status: str = "none"
    entitled: bool = False
    features: list[str] = Field(default_factory=list)
    limits: dict[str, int] = Field(default_factory=dict)
    period_end: int | None = None
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    paused: bool = False
    resumes_at: int | None = None
    """While paused: when the product resumes it (None: no date, e.g. paused in the hosted portal)."""
    past_due_since: int | None = None
    grace_until: int | None = None
    subscription_id: str | None = None
    price_lookup_key: str | None = None
    quantity: int | None = None
    version: int = 0
    """Monotonic: Stripe's ``event.created`` (or the object's last change) of the state it reflects."""
    updated_at: int | None = None

    @classmethod
    def none(cls) -> EntitlementRecord:
        """No subscription: nothing entitled."""
        return cls()


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def subscription_items(subscription: Any) -> list[Any]:
    items = _get(subscription, "items")
    data = _get(items, "data") if items is not None else None
    return list(data or [])


def period_end_of(subscription: Any) -> int | None:
    """The current period end (endive: on the items; the earliest across items)."""
    ends = [_get(item, "current_period_end") for item in subscription_items(subscription)]
    ends = [e for e in ends if isinstance(e, int)]
    return min(ends) if ends else None


def catalog_item(subscription: Any, catalog: Catalog) -> tuple[Any, str | None]:
    """The first item whose price is in the catalog, with its lookup key."""
    items = subscription_items(subscription)
    for item in items:
        key = _get(_get(item, "price") or {}, "lookup_key")
        if catalog.find_price(key) is not None:
            return item, key
    return (items[0] if items else None), None


def derive_entitlements(
    subscription: Any | None,
    catalog: Catalog,
    now: int,
    *,
    grace_period_days: int | None = None,
    past_due_since: int | None = None,
    version: int = 0,
) -> EntitlementRecord:
    """Entitlements implied by one subscription (None -> nothing).

    ``past_due_since`` is when the subscription went past due (kept by the webhook); when unknown the
    grace period starts ``now``.
    """
    if subscription is None:
        return EntitlementRecord(version=version, updated_at=now)
    grace_days = get_settings().grace_period_days if grace_period_days is None else grace_period_days
    status = str(_get(subscription, "status") or "unknown")
    item, lookup_key = catalog_item(subscription, catalog)
    found = catalog.find_price(lookup_key)
    plan = found[0] if found else None
    quantity = _get(item, "quantity") if item is not None else None

    since: int | None = None
    grace_until: int | None = None
    if status in ENTITLED_STATUSES:
        entitled = True
    elif status == "past_due":
        since = past_due_since or now
        grace_until = since + grace_days * DAY
        entitled = now < grace_until
    else:
        entitled = False
        if status not in KNOWN_STATUSES:
            count("UnknownSubscriptionStatus")
            logger.warning("unknown subscription status; entitlements denied", extra={"status": status[:40]})
    if plan is None:
        # A subscription to something outside the catalog grants nothing we know how to gate.
        entitled = False

    limits = dict(plan.limits) if plan else {}
    if plan and plan.per_seat and isinstance(quantity, int):
        limits["seats"] = quantity
    paused = status == "paused"
    features = list(plan.features) if plan and entitled else []
    if paused and plan is not None:
        features = catalog.paused_features(plan.id)
    return EntitlementRecord(
        plan=plan.id if plan else None,
        status=status,
        entitled=entitled,
        features=features,
        limits=limits if entitled else {},
        period_end=period_end_of(subscription),
        cancel_at_period_end=bool(_get(subscription, "cancel_at_period_end")),
        cancel_at=_get(subscription, "cancel_at"),
        paused=paused,
        resumes_at=resumes_at(subscription) if paused else None,
        past_due_since=since,
        grace_until=grace_until,
        subscription_id=_get(subscription, "id"),
        price_lookup_key=lookup_key,
        quantity=quantity if isinstance(quantity, int) else None,
        version=version,
        updated_at=now,
    )


_STATUS_ORDER = {"active": 0, "past_due": 1, "trialing": 2, "unpaid": 3, "paused": 4, "incomplete": 5}


def primary_subscription(subscriptions: Iterable[Any]) -> Any | None:
    """The subscription that decides entitlements: the most relevant status, then the newest."""
    candidates = [s for s in subscriptions if _get(s, "status") not in {"canceled", "incomplete_expired"}]
    if not candidates:
        return None
    return min(candidates, key=lambda s: (_STATUS_ORDER.get(_get(s, "status"), 9), -(_get(s, "created") or 0)))


class EntitlementStore(TableStore):
    """``ACCOUNT#<id>``/``ENTITLEMENTS`` in the billing table."""

    SK = ENTITLEMENTS_SK

    def get(self, account_id: str) -> EntitlementRecord | None:
        """The stored record, or None. An unreadable item is treated as absent (and logged)."""
        item = self._get(account_pk(account_id), self.SK, "entitlements.get")
        if not item or "record" not in item:
            return None
        try:
            return EntitlementRecord.model_validate_json(item["record"]["S"])
        except ValueError:
            count("InvalidEntitlementItem")
            logger.error("invalid entitlement item")
            return None

    def put_if_newer(self, account_id: str, record: EntitlementRecord) -> bool:
        """Write ``record`` unless a record with a higher or equal ``version`` is stored.

        Returns False when the stored record is newer (the write is skipped, not an error).
        """
        item = {
            **key(account_pk(account_id), self.SK),
            "version": {"N": str(record.version)},
            "record": {"S": record.model_dump_json()},
            "updated_at": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
        }
        try:
            self._put(
                item,
                "entitlements.put",
                condition="attribute_not_exists(pk) OR version < :v",
                values={":v": {"N": str(record.version)}},
            )
        except ConditionFailed:
            return False
        return True
