"""Reconcile entitlement records with Stripe, from the command line (the scheduled run fans out on its own).

python -m admin.reconcile --user <sub>        # one user's personal billing account
python -m admin.reconcile --account <id>      # one billing account (a team's ``t_...`` id)
python -m admin.reconcile --all [--dry-run]   # every customer in this process (small installations)
python -m admin.reconcile --report [RUN_ID]   # a scheduled run's report (default: today's, UTC)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime

from billing_core.identity import personal_account_id
from billing_core.reconcile import Reconciler, ReconcileReport
from billing_core.store.reconcile_run import ReconcileRunStore


def main(
    argv: list[str] | None = None, reconciler: Reconciler | None = None, runs: ReconcileRunStore | None = None
) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.reconcile", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--user", metavar="SUB", help="reconcile one user (Cognito sub)")
    target.add_argument("--account", metavar="ID", help="reconcile one billing account")
    target.add_argument("--all", action="store_true", help="reconcile every mapped customer")
    target.add_argument(
        "--report", nargs="?", const="", metavar="RUN_ID", help="report a scheduled run (default: today's)"
    )
    parser.add_argument("--dry-run", action="store_true", help="report drift without writing")
    parser.add_argument("--verbose", action="store_true", help="list unchanged users too")
    args = parser.parse_args(argv)
    if args.report is not None:
        return _report(args.report or datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%d"), runs)
    reconciler = reconciler or Reconciler()
    report = ReconcileReport()
    if args.user or args.account:
        account_id = args.account or personal_account_id(args.user)
        Reconciler._add(report, reconciler.reconcile_user(account_id, dry_run=args.dry_run))
    else:
        report = reconciler.reconcile_all(dry_run=args.dry_run)
    print(json.dumps(report.to_dict(only_changes=not args.verbose), indent=2))
    return 1 if report.errors or report.unmapped else 0


def _report(run_id: str, runs: ReconcileRunStore | None) -> int:
    """Exit 0 when the run is complete with no failed customer, 1 when it is not, 2 when there is no such run."""
    report = (runs or ReconcileRunStore()).report(run_id)
    if report is None:
        print(json.dumps({"run_id": run_id, "error": "no such run"}))
        return 2
    print(json.dumps(report.to_dict(), indent=2))
    return 0 if report.complete and not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
