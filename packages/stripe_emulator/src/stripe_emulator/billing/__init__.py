"""The billing engine: proration, invoice building and payment, subscription lifecycle and time travel.

Resource modules (`resources/subscriptions.py`, `resources/invoices.py`, ...) are thin HTTP wrappers over the
plain functions here, so the portal page, checkout completion and test clocks share one code path.
"""
