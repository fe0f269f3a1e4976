"""Example request bodies of the API contract (``admin.openapi``), one per operation that takes a body: what a
client sends in the common case. ``tests/tooling/test_openapi.py`` validates each against its operation's schema,
so an example that drifts from its model fails; the contract fuzz sends them first (schemathesis's explicit
phase)."""

from __future__ import annotations

from typing import Any

_SUB = "sub_1QfT6v2eZvKYlo2C"
_PREVIEW = "pv_3x8Qk2LmN7pR4sT9"

REQUEST_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/billing/subscription"): {"price_lookup_key": "pro_monthly"},
    ("post", "/billing/subscription/preview"): {"price_lookup_key": "business_seat_monthly", "quantity": 5},
    ("post", "/billing/subscription/change"): {"preview_id": _PREVIEW},
    ("post", "/billing/subscription/cancel"): {"feedback": "too_expensive", "comment": "We are a small team."},
    ("post", "/billing/subscription/retention-offer"): {"offer_id": "retention_30_off_3_months"},
    ("post", "/billing/subscription/pause"): {"periods": 1},
    ("post", "/billing/subscription/pause/preview"): {"periods": 1},
    ("post", "/billing/subscription/resume"): {"subscription_id": _SUB},
    ("post", "/billing/subscription/resume/preview"): {"subscription_id": _SUB},
    ("post", "/billing/portal-sessions"): {"flow": "payment_method_update", "return_path": "/billing"},
    ("post", "/billing/customer-session"): {"component": "mobile_payment_element"},
    ("post", "/billing/invoices/{id}/pay"): {"payment_method": "pm_1QfT7a2eZvKYlo2C"},
    ("patch", "/billing/details"): {
        "name": "Ada Lovelace Ltd",
        "address": {"line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"},
    },
    ("post", "/billing/tax-ids"): {"type": "gb_vat", "value": "GB123456789"},
    ("post", "/accounts"): {"name": "Analytical Engines"},
    ("post", "/accounts/{id}/invitations"): {"email": "charles@example.com", "role": "billing_admin"},
    ("patch", "/accounts/{id}/members/{sub}"): {"role": "billing_admin"},
}


def request_example(method: str, path: str) -> dict[str, Any] | None:
    return REQUEST_EXAMPLES.get((method, path))
