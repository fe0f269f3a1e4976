"""Resource modules: each builds its objects (API shape) and registers its endpoints with `@route`.

Import order matters only for reset hooks; every module is imported here so the route table is complete.
"""

from .. import control  # noqa: F401
from . import (
    billing_portal,  # noqa: F401
    checkout_sessions,  # noqa: F401
    coupons,  # noqa: F401
    customers,  # noqa: F401
    events,  # noqa: F401
    invoice_items,  # noqa: F401
    invoices,  # noqa: F401
    payment_intents,  # noqa: F401
    payment_methods,  # noqa: F401
    prices,  # noqa: F401
    products,  # noqa: F401
    promotion_codes,  # noqa: F401
    setup_intents,  # noqa: F401
    stripejs,  # noqa: F401
    subscription_items,  # noqa: F401
    subscription_schedules,  # noqa: F401
    subscriptions,  # noqa: F401
    tax_ids,  # noqa: F401
    test_clocks,  # noqa: F401
    webhook_endpoints,  # noqa: F401
)
