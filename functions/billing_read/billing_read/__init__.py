"""billing_read: GET /billing, GET /billing/invoices, GET /billing/plans."""
