"""billing_read: the app and the Lambda handler (``billing_read.app.handler``)."""

from __future__ import annotations

from typing import Annotated

from billing_core import snapstart
from billing_core.app_factory import CallerDep, create_app
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter, Query
from snapshot_restore_py import register_after_restore, register_before_snapshot

from billing_read.logic import BillingReader
from billing_read.models import BillingOverview, InvoicePage, PlansResponse

router = APIRouter(tags=["billing"])


@router.get("/billing", response_model=BillingOverview)
def get_billing(caller: CallerDep) -> BillingOverview:
    """The billing overview: customer, subscriptions, cards, recent invoices, entitlements, dunning."""
    return BillingReader().build_overview(caller)


@router.get("/billing/invoices", response_model=InvoicePage)
def get_invoices(
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    starting_after: Annotated[str | None, Query(pattern=r"^in_[A-Za-z0-9_]{1,250}$")] = None,
) -> InvoicePage:
    """Invoice history, newest first, paginated with ``starting_after`` = the last id of the page."""
    return BillingReader().list_invoices(caller, limit, starting_after)


@router.get("/billing/plans", response_model=PlansResponse)
def get_plans(caller: CallerDep) -> PlansResponse:
    """The catalog with the caller's current plan marked and the changes allowed from it."""
    return BillingReader().list_plans(caller)


app = create_app("billing_read", router)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
