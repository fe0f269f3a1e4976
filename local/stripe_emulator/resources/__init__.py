"""Resource modules: each builds its objects (API shape) and registers its endpoints with `@route`.

Import order matters only for reset hooks; every module is imported here so the route table is complete.
"""

from . import customers  # noqa: F401
