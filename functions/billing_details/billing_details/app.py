"""billing_details: the app and the Lambda handler (``billing_details.app.handler``).

Idempotency choice: ``POST /billing/tax-ids`` and
``DELETE /billing/tax-ids/{id}`` require an ``Idempotency-Key`` (a retried POST must not add a second tax id; a
retried DELETE gets the stored answer, not a 404). ``PATCH /billing/details`` is idempotent by nature (it sets
values), so the key is optional there; when sent it is validated and the response is replayed like any mutation.
"""

from __future__ import annotations

from typing import Annotated

from billing_core import snapstart
from billing_core.app_factory import CallerDep, IdempotencyKeyDep, OptionalIdempotencyKeyDep, RequestIdDep, create_app
from billing_core.idempotency import idempotent_route
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter, Path
from snapshot_restore_py import register_after_restore, register_before_snapshot

from billing_details.logic import BillingDetailsService
from billing_details.models import DetailsUpdate, DetailsView, TaxIdCreate, TaxIdDeleted, TaxIdPathId, TaxIdView

router = APIRouter(tags=["billing details"])


TaxIdPath = Annotated[TaxIdPathId, Path(alias="id")]


@router.patch("/billing/details", response_model=DetailsView)
def update_details(
    body: DetailsUpdate, caller: CallerDep, key: OptionalIdempotencyKeyDep, request_id: RequestIdDep
) -> DetailsView:
    """Partial update of name, e-mail, phone, address and preferred locale."""
    service = BillingDetailsService()
    if key is None:
        return DetailsView.model_validate(service.update_details(caller, body, None, request_id))
    return idempotent_route(
        key,
        "customer.details",
        body.model_dump(mode="json", exclude_unset=True),
        lambda: service.update_details(caller, body, key, request_id),
        DetailsView,
    )


@router.post("/billing/tax-ids", response_model=TaxIdView)
def add_tax_id(body: TaxIdCreate, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep) -> TaxIdView:
    """Add a tax ID; the answer carries Stripe's verification status."""
    return idempotent_route(
        key,
        "tax_id.create",
        body.model_dump(mode="json"),
        lambda: BillingDetailsService().add_tax_id(caller, body, key, request_id),
        TaxIdView,
    )


@router.delete("/billing/tax-ids/{id}", response_model=TaxIdDeleted)
def delete_tax_id(
    tax_id: TaxIdPath, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep
) -> TaxIdDeleted:
    """Remove one of the caller's tax IDs."""
    return idempotent_route(
        key,
        "tax_id.delete",
        {"tax_id": tax_id},
        lambda: BillingDetailsService().delete_tax_id(caller, tax_id, key, request_id),
        TaxIdDeleted,
    )


app = create_app("billing_details", router)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
