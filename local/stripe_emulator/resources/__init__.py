"""Resource modules: each builds its objects (API shape) and registers its endpoints with `@route`.

Import order matters only for reset hooks; every module is imported here so the route table is complete.
"""

from . import customers  # noqa: F401
from . import checkout_sessions  # noqa: F401
from . import billing_portal  # noqa: F401
from . import stripejs  # noqa: F401
from . import tax_ids  # noqa: F401
from . import products  # noqa: F401
from . import prices  # noqa: F401
from . import coupons  # noqa: F401
from . import promotion_codes  # noqa: F401
from . import payment_methods  # noqa: F401
from . import setup_intents  # noqa: F401
from . import events  # noqa: F401
from . import webhook_endpoints  # noqa: F401
from .. import control  # noqa: F401
from . import payment_intents  # noqa: F401
from . import invoice_items  # noqa: F401
from . import invoices  # noqa: F401
from . import subscriptions  # noqa: F401
from . import subscription_items  # noqa: F401
from . import subscription_schedules  # noqa: F401
from . import test_clocks  # noqa: F401
