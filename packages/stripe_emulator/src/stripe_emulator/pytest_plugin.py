"""pytest fixtures: one in-process emulator per test session on a free loopback port, reset for each test.

Registered by the package's `pytest11` entry point (pyproject.toml): installed, it is loaded by every pytest run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .server import EmulatorServer


@pytest.fixture(scope="session")
def stripe_emulator_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stripe_emulator(stripe_emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The running emulator with an empty account and no faults; reset again after the test."""
    stripe_emulator_server.reset()
    yield stripe_emulator_server
    errors = stripe_emulator_server.backend.index_errors()
    stripe_emulator_server.reset()
    assert errors == [], f"the emulator's customer index differs from its objects: {errors}"


@pytest.fixture
def stripe_client(stripe_emulator: EmulatorServer) -> Any:
    """A stripe-python StripeClient pointed at the emulator (no SDK retries unless a test asks)."""
    import stripe  # here, not at the top: the plugin loads in every pytest run, this fixture in few

    return stripe.StripeClient(stripe_emulator.secret_key, base_addresses={"api": stripe_emulator.api_base})
