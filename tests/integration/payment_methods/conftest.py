"""Fixtures for the payment_methods integration tests."""

import pytest


@pytest.fixture
def pm_handler(stripe_env):
    from payment_methods.app import handler

    return handler


@pytest.fixture
def read_handler(stripe_env):
    from billing_read.app import handler
    from billing_read.logic import reset_caches

    reset_caches()
    return handler
