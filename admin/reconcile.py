"""Reconcile entitlement records with Stripe, from the command line (the daily Lambda does ``--all`` itself).

python -m admin.reconcile --user <sub>     # one user's personal billing account
python -m admin.reconcile --account <id>   # one billing account (a team's ``t_...`` id)
python -m admin.reconcile --all [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys

from billing_core.identity import personal_account_id
from billing_core.reconcile import Reconciler, ReconcileReport


def main(argv: list[str] | None = None, reconciler: Reconciler | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.reconcile", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--user", metavar="SUB", help="reconcile one user (Cognito sub)")
    target.add_argument("--account", metavar="ID", help="reconcile one billing account")
    target.add_argument("--all", action="store_true", help="reconcile every mapped customer")
    parser.add_argument("--dry-run", action="store_true", help="report drift without writing")
    parser.add_argument("--verbose", action="store_true", help="list unchanged users too")
    args = parser.parse_args(argv)
    reconciler = reconciler or Reconciler()
    report = ReconcileReport()
    if args.user or args.account:
        account_id = args.account or personal_account_id(args.user)
        Reconciler._add(report, reconciler.reconcile_user(account_id, dry_run=args.dry_run))
    else:
        report = reconciler.reconcile_all(dry_run=args.dry_run)
    print(json.dumps(report.to_dict(only_changes=not args.verbose), indent=2))
    return 1 if report.errors or report.unmapped else 0


if __name__ == "__main__":
    sys.exit(main())
