"""Move classic-mode subscriptions to flexible billing mode, so they can be paused (``make migrate-billing-mode``).

python -m admin.migrate_billing_mode            # dry run: lists what it would migrate, writes nothing
python -m admin.migrate_billing_mode --apply    # migrates them

Lists the account's subscriptions (every status that can still bill: active, trialing, past_due, unpaid, paused)
and calls ``POST /v1/subscriptions/{id}/migrate`` with ``billing_mode={"type": "flexible", "flexible":
{"proration_discounts": "itemized"}}`` (stripe-python 16's ``SubscriptionMigrateParams``; the mode the product
creates subscriptions in) for each one still in ``classic``. Idempotent and resumable: a subscription already
flexible is skipped, each migration carries an idempotency key derived from the subscription id, and a run
stopped half-way is finished by running it again. The exit code is 1 when a migration failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from billing_core.errors import BillingError
from billing_core.stripe_fields import field as g
from billing_core.stripe_gateway import StripeGateway
from billing_core.stripe_ownership import derive_key
from stripe.params import SubscriptionMigrateParamsBillingMode

from admin.stripe_access import admin_gateway

FLEXIBLE: SubscriptionMigrateParamsBillingMode = {"type": "flexible", "flexible": {"proration_discounts": "itemized"}}
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "paused")


@dataclass
class MigrationReport:
    classic: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    already_flexible: int = 0
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "classic": self.classic,
            "migrated": self.migrated,
            "failed": self.failed,
            "already_flexible": self.already_flexible,
        }


def classic_subscriptions(gateway: StripeGateway) -> tuple[list[str], int]:
    """The ids of classic-mode subscriptions that can still bill, and how many are flexible already."""
    classic: list[str] = []
    flexible = 0
    page = gateway.call("subscriptions.list", lambda c: c.v1.subscriptions.list(params={"status": "all", "limit": 100}))
    for sub in page.auto_paging_iter():
        if g(sub, "status") not in LIVE_STATUSES:
            continue
        if g(sub, "billing_mode", "type") == "flexible":
            flexible += 1
        else:
            classic.append(str(g(sub, "id")))
    return classic, flexible


def migrate(gateway: StripeGateway, *, apply: bool) -> MigrationReport:
    classic, flexible = classic_subscriptions(gateway)
    report = MigrationReport(classic=classic, already_flexible=flexible, applied=apply)
    if not apply:
        return report
    for sub_id in classic:
        try:
            gateway.call(
                "subscriptions.migrate",
                lambda c: c.v1.subscriptions.migrate(
                    sub_id,  # noqa: B023 - called at once, in this iteration
                    params={"billing_mode": FLEXIBLE},
                    options={"idempotency_key": derive_key("billing-mode", f"migrate:{sub_id}")},  # noqa: B023 - called at once, in this iteration
                ),
            )
        except BillingError as err:
            report.failed[sub_id] = err.code
            continue
        report.migrated.append(sub_id)
    return report


def main(argv: list[str] | None = None, gateway: StripeGateway | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.migrate_billing_mode", description=__doc__.splitlines()[0])
    parser.add_argument("--apply", action="store_true", help="migrate (default: dry run, list only)")
    args = parser.parse_args(argv)
    report = migrate(gateway or admin_gateway(), apply=args.apply)
    print(json.dumps(report.to_dict(), indent=2))
    if not args.apply and report.classic:
        print(f"dry run: {len(report.classic)} subscription(s) would be migrated; run again with --apply")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
