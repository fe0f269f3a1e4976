"""The offline stack: moto server, the Stripe emulator, a local API gateway from template.yaml, seeding."""
