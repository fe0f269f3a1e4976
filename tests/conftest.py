"""Shared fixtures. The Stripe emulator's fixtures come from its pytest plugin."""

pytest_plugins = ["local.stripe_emulator.pytest_plugin"]
