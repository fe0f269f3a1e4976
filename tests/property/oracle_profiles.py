"""The money oracle's Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: ``oracle-ci`` (default, `make test`) and
``soak`` (`make soak`). Applied to the oracle's test alone (``oracle_settings()``), never loaded globally."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,  # no example database: a run depends on the code alone
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "report_multiple_bugs": True,
    "print_blob": True,
}
# `make test`: a fixed, derandomized walk (the same examples every run, so CI is reproducible); per starting
# kind, six kinds: 120 examples in all. No shrink phase: shrinking one failure re-runs the emulator for
# minutes, so CI reports the failing example as drawn, and `make soak` (or the printed blob) shrinks it.
settings.register_profile(
    "oracle-ci",
    max_examples=20,
    derandomize=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    **_COMMON,
)
# `make soak`: many more examples from a fresh random seed each run, failures shrunk to a minimal example.
settings.register_profile("soak", max_examples=int(os.environ.get("ORACLE_EXAMPLES", "70")), **_COMMON)


def oracle_settings() -> settings:
    return settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "oracle-ci"))
