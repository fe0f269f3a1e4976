"""Move billing items from before billing accounts (``USER#<sub>``) to each user's personal account.

python -m admin.accounts_migrate --all [--dry-run]    # every user that still has old items (make migrate-accounts)
python -m admin.accounts_migrate --user <sub>

Safe to run at any time, as often as needed, while the functions serve requests: each user's move is the same
idempotent one the first request of that user runs lazily (``billing_core.accounts.migration``). Prints a JSON
report; exits 1 when an old item could not be deleted (run it again).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from billing_core.accounts.migration import AccountMigration


def main(argv: list[str] | None = None, migration: AccountMigration | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.accounts_migrate", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--user", metavar="SUB", help="move one user's items")
    target.add_argument("--all", action="store_true", help="move every user that still has old items")
    parser.add_argument("--dry-run", action="store_true", help="list the users that would be moved")
    args = parser.parse_args(argv)
    migration = migration or AccountMigration()
    subs = [args.user] if args.user else list(migration.legacy_users())
    if args.dry_run:
        print(json.dumps({"users": subs}, indent=2))
        return 0
    results = [migration.migrate(sub, force=True) for sub in subs]
    report = {
        "users": len(results),
        "copied": sum(r.copied for r in results),
        "kept": sum(r.kept for r in results),
        "deleted": sum(r.deleted for r in results),
        "leftovers": [asdict(r) for r in results if r.leftovers],
    }
    print(json.dumps(report, indent=2))
    return 1 if report["leftovers"] else 0


if __name__ == "__main__":
    sys.exit(main())
