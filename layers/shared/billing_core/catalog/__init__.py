"""The plan catalog as code (ADR 0007).

One JSON file (``CATALOG_PATH``, default: ``demo.json`` next to this module) lists the plans by Stripe
price ``lookup_key``: tier rank, interval, amount, features and limits, seats, the transition rules, the
trial and the retention offer. It is validated on load. The same file drives catalog sync (products,
prices, coupon), the portal configuration, the plan picker and the entitlement flags.

The model is ``billing_core.catalog.model`` (``Catalog``, ``get_catalog``, ``load_catalog``), its parts
``billing_core.catalog.plans`` (``Plan``, ``Price``, ``Coupon`` ...). Usage::

    catalog = get_catalog()
    plan, price = catalog.price("pro_monthly")          # BadInput("unknown_price") if not in the catalog (B2)
    change = catalog.transition("starter_monthly", "pro_monthly", quantity=1)
    change.timing                                       # "immediate" | "period_end"
    catalog.allowed_changes("pro_monthly")              # what the plan picker offers
"""
