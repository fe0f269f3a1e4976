"""Explained differences between the emulator's objects and (a) stripe-python 16's declared classes, (b) the
fixtures3.json example objects. Key: (object name as in world.BUILDERS, "missing" | "extra" | "enum", path).
Every entry carries a one-line reason; an entry that no longer matches a difference fails as stale.
"""

from __future__ import annotations

# Missing fields allowed wherever they occur, by the last path segment.
SDK_MISSING_ANYWHERE: dict[str, str] = {
    "deleted": "present only on a deleted object's response (`deleted: true`)",
    "tiers": "includable only on prices (expand[]=tiers)",
    "currency_options": "includable only on prices and coupons (expand[]=currency_options)",
}

# Fields Stripe only returns when asked (includable via expand[]) or never in this API shape.
SDK: dict[tuple[str, str, str], str] = {
    ("checkout.session", "missing", "line_items"): "includable only (expand[]=line_items); not included by default",
    ("checkout.session(complete)", "missing", "line_items"): "includable only (expand[]=line_items)",
    ("checkout.session", "missing", "total_details.breakdown"): "includable only (expand[]=total_details.breakdown)",
    ("checkout.session(complete)", "missing", "total_details.breakdown"): "includable only (expand[]=...breakdown)",
    ("item", "missing", "discounts"): "includable only on Checkout line items (expand[]=data.discounts)",
    ("item", "missing", "taxes"): "includable only on Checkout line items (expand[]=data.taxes)",
    ("search_result", "extra", "url"): "Stripe's search responses carry `url`; SearchResultObject omits it",
    ("customer", "missing", "cash_balance"): "includable only (expand[]=cash_balance)",
    ("customer", "missing", "invoice_credit_balance"): "includable only (expand[]=invoice_credit_balance)",
    ("customer", "missing", "sources"): "includable only (expand[]=sources)",
    ("customer", "missing", "subscriptions"): "includable only (expand[]=subscriptions)",
    ("customer", "missing", "tax"): "includable only (expand[]=tax)",
    ("customer", "missing", "tax_ids"): "includable only (expand[]=tax_ids)",
    ("coupon", "missing", "applies_to"): "includable only (expand[]=applies_to)",
    ("payment_method", "missing", "radar_options"): "present only when radar_options were given at creation",
    ("payment_intent", "missing", "amount_details.discount_amount"): "amount_details carries only the parts in use",
    ("payment_intent", "missing", "amount_details.error"): "present only when amount details failed validation",
    ("payment_intent", "missing", "amount_details.line_items"): "includable only (expand[]=amount_details.line_items)",
    ("payment_intent", "missing", "amount_details.shipping"): "amount_details carries only the parts in use",
    ("payment_intent", "missing", "amount_details.tax"): "amount_details carries only the parts in use",
    ("payment_intent", "missing", "amount_details.tip.amount"): "Stripe sends `tip: {}` when there is no tip",
    ("subscription", "extra", "items.total_count"): "Stripe's embedded lists carry total_count; ListObject omits it",
    ("invoice", "extra", "lines.total_count"): "Stripe's embedded lists carry total_count; ListObject omits it",
    ("invoice", "extra", "payments.total_count"): "Stripe's embedded lists carry total_count; ListObject omits it",
    ("subscription", "missing", "invoice_settings.issuer.account"): "issuer.account only when issuer.type=account",
    ("subscription(paused)", "extra", "items.total_count"): "Stripe's embedded lists carry total_count",
    ("subscription(paused)", "missing", "invoice_settings.issuer.account"): "only when issuer.type=account",
    ("subscription(resumed)", "extra", "items.total_count"): "Stripe's embedded lists carry total_count",
    ("subscription(resumed)", "missing", "invoice_settings.issuer.account"): "only when issuer.type=account",
    ("invoice", "missing", "issuer.account"): "issuer.account only when issuer.type=account",
    ("subscription_schedule", "missing", "default_settings.invoice_settings.issuer.account"): "only for type=account",
    ("invoice", "missing", "payments.data[].payment.charge"): "payment carries only the key named by payment.type",
    ("invoice", "missing", "payments.data[].payment.payment_record"): "payment carries only the key named by its type",
    ("test_helpers.test_clock", "missing", "status_details.advancing"): "present only while status=advancing",
    ("event", "missing", "account"): "Connect only: absent on events of the platform's own account",
    ("event", "missing", "data.previous_attributes"): "present only on *.updated events",
    ("webhook_endpoint", "missing", "secret"): "returned only by the create call",
}

# fixtures3.json is from 2026-07-29 (an earlier API version than endive 2026-10-28); its example objects also
# fill optional sub-objects that Stripe sends as null unless the feature is used.
# Two rules explain most differences (applied in test_shapes.py), each checked against stripe-python's classes:
FIXTURE_RULES = {
    "declared": "a key the emulator sends and the fixture lacks, declared by stripe-python 16: version difference "
    "(endive 2026-10-28 vs the fixture's 2026-07-29) or an optional key the example leaves out",
    "undeclared": "a fixture key the emulator omits that stripe-python 16 does not declare: removed before endive",
}
FIXTURE: dict[tuple[str, str, str], str] = {
    ("subscription", "extra", "items.total_count"): "Stripe's embedded lists carry total_count (fixture omits it)",
    ("invoice", "extra", "lines.total_count"): "Stripe's embedded lists carry total_count (fixture omits it)",
}
