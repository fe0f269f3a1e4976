"""An offline, stateful Stripe emulator faithful to API version 2026-10-28.endive (stripe-python 16).

Layout like a moto backend: `backend.py` (state), `resources/` (the model per resource), `handlers/` (its endpoints),
`routes.py` (the route table), `router.py` + `server.py` (HTTP layer), `wire.py` (form bodies and the params
schema), `faults.py`.
"""

from .server import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, EmulatorServer

API_VERSION = "2026-10-28.endive"

__all__ = ["API_VERSION", "DEFAULT_PUBLISHABLE_KEY", "DEFAULT_SECRET_KEY", "EmulatorServer"]
