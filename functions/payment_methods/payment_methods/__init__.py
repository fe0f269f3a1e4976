"""payment_methods: SetupIntents for Stripe.js, the default card (with dunning recovery), removing cards, paying
an open invoice."""
