"""Advance a Stripe test clock and wait until it is `ready` again.

Advancing is asynchronous on Stripe and in the emulator: the answer says `advancing`, the renewals, retries and
trial ends happen in the background, then the clock turns `ready`. Every test that advances a clock goes through
`advance_clock`, which polls the clock (short pauses between reads, a generous deadline) instead of assuming the
work is done when the advance call returns.
"""

from __future__ import annotations

import time
from typing import Any

import stripe

DEADLINE_S = 60.0


class ClockNotReady(AssertionError):
    """The clock failed to advance (`internal_failure`) or was still advancing at the deadline."""


def wait_until_ready(client: stripe.StripeClient, clock_id: str, timeout_s: float = DEADLINE_S) -> Any:
    """Poll the clock until `ready`; returns it."""
    clocks = client.v1.test_helpers.test_clocks
    deadline = time.monotonic() + timeout_s
    pause = 0.005
    while True:
        state = clocks.retrieve(clock_id)
        if state.status == "ready":
            return state
        if state.status == "internal_failure":
            raise ClockNotReady(f"test clock {clock_id} failed to advance (internal_failure)")
        if time.monotonic() > deadline:
            raise ClockNotReady(f"test clock {clock_id} still {state.status} after {timeout_s:.0f} s")
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def advance_clock(client: stripe.StripeClient, clock_id: str, frozen_time: int, timeout_s: float = DEADLINE_S) -> Any:
    """Advance to `frozen_time` and wait until the clock is `ready` there; returns the clock."""
    client.v1.test_helpers.test_clocks.advance(clock_id, params={"frozen_time": frozen_time})
    state = wait_until_ready(client, clock_id, timeout_s)
    if state.frozen_time != frozen_time:
        raise ClockNotReady(f"test clock {clock_id} is ready at {state.frozen_time}, not {frozen_time}")
    return state
