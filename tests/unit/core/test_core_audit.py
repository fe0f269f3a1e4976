"""Audit entries: ACCOUNT#<id>/AUDIT#<iso>#<action> with a TTL."""

from billing_core.audit import TTL_ATTRIBUTE, AuditLog

from tests.helpers import aws as h


def test_audit_entry_has_key_shape_request_id_and_ttl(aws_env):
    log = AuditLog(clock=lambda: 1_800_000_000.0)
    sk = log.record("u1", "subscription.change", "req-1", before={"plan": "starter"}, after={"plan": "pro"})
    assert sk.startswith("AUDIT#2027-01-15T08:00:00") and sk.endswith("#subscription.change")
    item = h.get_item("ACCOUNT#u1", sk)
    assert item["request_id"]["S"] == "req-1"
    assert int(item[TTL_ATTRIBUTE]["N"]) > 1_800_000_000
    assert log.entries("u1")[0]["after"] == {"plan": "pro"}
