"""Fixtures for portal_session and the portal configuration command: moto + the Stripe emulator, catalog synced."""

from __future__ import annotations

import pytest
from billing_core.catalog.model import load_catalog
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway

from admin.catalog_sync import sync_catalog
from admin.portal_config import PortalConfigurator
from tests.integration.portal_session.portal_setup import Account


@pytest.fixture
def admin_gateway(stripe_env, stripe_emulator) -> StripeGateway:
    return StripeGateway(client=build_stripe_client(stripe_emulator.secret_key, stripe_emulator.api_base))


@pytest.fixture
def account(stripe_env, admin_gateway) -> Account:
    """The catalog synced to the emulator and the portal configured (its id stored in DynamoDB)."""
    prices = sync_catalog(admin_gateway, load_catalog())
    result = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    assert result.configuration_id
    return Account(prices=prices, configuration_id=result.configuration_id, gateway=admin_gateway)


@pytest.fixture
def handler(stripe_env):
    from portal_session.app import handler

    return handler
