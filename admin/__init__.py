"""Operator commands (``make sync-catalog``, ``make portal-config``, ``python -m admin.reconcile``).

Not part of the Lambda layer: they run from a checkout with ``PYTHONPATH=layers/shared``, and no function imports
them. What a function needs at run time stays in the core (the stored portal configuration id:
``billing_core.store.portal_config``; the reconciler: ``billing_core.reconcile``).
"""
