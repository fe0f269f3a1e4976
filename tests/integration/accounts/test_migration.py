"""G9: the move of billing items from before billing accounts, on a table seeded in that format: the customer
mapping and its reverse item, the entitlement record, audit entries, the retention offer, a preview and the
lease, all under ``USER#<sub>``. Lazily on a user's first request, as the command, repeated and concurrently."""

from __future__ import annotations

import json
from typing import Any

import boto3
from billing_core.accounts.migration import AccountMigration
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.entitlements_api import get_entitlements
from teams_world import atomic_dynamodb, call, race

from admin.accounts_migrate import main
from tests.helpers import aws as h

OLD_SKS = ["AUDIT#2026-01-02T03:04:05.000000+00:00#subscription.change", "CUSTOMER", "ENTITLEMENTS",
           "LOCK#subscription", "OFFER#retention_30_off_3_months", "PREVIEW#pv_old"]  # fmt: skip


def seed_today(sub: str, customer_id: str, version: int = 5) -> None:
    """Items exactly as the functions wrote them before billing accounts."""
    ddb = boto3.client("dynamodb", region_name=h.REGION)
    record = EntitlementRecord(plan="pro", status="active", entitled=True, features=["api_access"], version=version)
    items: list[dict[str, Any]] = [
        {"sk": "CUSTOMER", "customer_id": {"S": customer_id}, "created_at": {"S": "2026-01-01T00:00:00+00:00"}},
        {"sk": "ENTITLEMENTS", "version": {"N": str(version)}, "record": {"S": record.model_dump_json()}},
        {"sk": OLD_SKS[0], "action": {"S": "subscription.change"}, "outcome": {"S": "ok"},
         "request_id": {"S": "req-old"}, "before": {"S": "{}"}, "after": {"S": "{}"}},
        {"sk": "OFFER#retention_30_off_3_months", "claimed_by": {"S": "stripe-event:evt_1"}},
        {"sk": "PREVIEW#pv_old", "preview": {"S": "{}"}, "expires_at": {"N": "1"}},
        {"sk": "LOCK#subscription", "token": {"S": "t"}, "expires_at": {"N": "1"}},
    ]  # fmt: skip
    for item in items:
        sk = item.pop("sk")
        ddb.put_item(TableName=h.TABLE_NAME, Item={"pk": {"S": f"USER#{sub}"}, "sk": {"S": sk}, **item})
    ddb.put_item(
        TableName=h.TABLE_NAME,
        Item={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "USER"}, "sub": {"S": sub}},
    )


def assert_moved(sub: str, customer_id: str) -> None:
    account = f"ACCOUNT#p_{sub}"
    assert [i["sk"]["S"] for i in h.query_pk(account)] == sorted([*OLD_SKS, "ACCOUNT"])
    assert h.query_pk(f"USER#{sub}") == []
    assert h.get_item(f"CUSTOMER#{customer_id}", "USER") is None
    assert CustomerDirectory().lookup_account(customer_id) == f"p_{sub}"
    assert CustomerDirectory().lookup(f"p_{sub}").customer_id == customer_id


def test_a_users_first_request_moves_their_items_and_they_keep_their_plan(aws_env: Any) -> None:
    sub = aws_env.user_sub
    seed_today(sub, "cus_old")
    listed = call("accounts", "GET", "/accounts", sub)
    assert listed["statusCode"] == 200
    assert [(a["id"], a["plan"], a["status"]) for a in listed["json"]["accounts"]] == [(f"p_{sub}", "pro", "active")]
    assert_moved(sub, "cus_old")
    assert get_entitlements(sub).entitled


def test_a_reverse_lookup_before_the_move_already_answers_with_the_personal_account(aws_env: Any) -> None:
    seed_today("user-w", "cus_w")
    assert CustomerDirectory().lookup_account("cus_w") == "p_user-w"
    assert list(CustomerDirectory().mapped_customers()) == [("p_user-w", "cus_w")]


def test_a_newer_record_the_webhook_wrote_first_is_never_rolled_back(aws_env: Any) -> None:
    seed_today("user-n", "cus_n", version=5)
    newer = EntitlementRecord(plan="pro", status="past_due", entitled=True, version=9)
    EntitlementStore().put_if_newer("p_user-n", newer)  # the webhook, after the deploy, before the user's request
    AccountMigration().migrate("user-n")
    assert EntitlementStore().get("p_user-n").status == "past_due"
    assert h.query_pk("USER#user-n") == []


def test_the_command_moves_everyone_and_running_it_again_changes_nothing(aws_env: Any, capsys: Any) -> None:
    for n in range(3):
        seed_today(f"user-{n}", f"cus_{n}")
    assert main(["--all", "--dry-run"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["users"]) == ["user-0", "user-1", "user-2"]
    assert main(["--all"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["users"], first["copied"], first["deleted"]) == (3, 18, 21)  # 6 items + 1 reverse item each
    for n in range(3):
        assert_moved(f"user-{n}", f"cus_{n}")
    snapshot = [h.query_pk(f"ACCOUNT#p_user-{n}") for n in range(3)]
    assert main(["--all"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["users"], again["copied"], again["deleted"]) == (0, 0, 0)
    assert [h.query_pk(f"ACCOUNT#p_user-{n}") for n in range(3)] == snapshot


def test_concurrent_first_requests_move_the_items_once(aws_env: Any, monkeypatch: Any) -> None:
    """G12"""
    atomic_dynamodb(monkeypatch)
    sub = aws_env.user_sub
    seed_today(sub, "cus_race")
    answers = race(6, lambda: call("accounts", "GET", "/accounts", sub)["statusCode"])
    assert answers == [200] * 6
    assert_moved(sub, "cus_race")


def test_once_a_personal_account_is_seen_later_requests_skip_its_read(aws_env: Any, monkeypatch: Any) -> None:
    """A personal account is never deleted, so the lazy path reads it once per process; ``force`` (the command)
    always reads, and a forgotten cache (tests' fresh tables) reads again."""
    from billing_core.accounts.migration import forget_known_accounts
    from billing_core.accounts.store import AccountStore

    sub = aws_env.user_sub
    seed_today(sub, "cus_seen")
    reads: list[str] = []
    real = AccountStore.get_account

    def counted(self: AccountStore, account_id: str) -> Any:
        reads.append(account_id)
        return real(self, account_id)

    monkeypatch.setattr(AccountStore, "get_account", counted)
    assert call("accounts", "GET", "/accounts", sub)["statusCode"] == 200
    assert_moved(sub, "cus_seen")
    first = len(reads)
    assert call("accounts", "GET", "/accounts", sub)["statusCode"] == 200
    assert [a for a in reads[first:] if a == f"p_{sub}"] == []  # the lazy path read nothing more
    assert AccountMigration().migrate(sub).already is True
    assert AccountMigration().migrate(sub, force=True).already is True and reads[-1] == f"p_{sub}"
    forget_known_accounts()
    del reads[:]
    AccountMigration().migrate(sub)
    assert reads == [f"p_{sub}"]
