"""billing_details: PATCH /billing/details, POST /billing/tax-ids, DELETE /billing/tax-ids/{id}."""
