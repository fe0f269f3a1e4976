"""Hosted pages the emulator serves without an API key: Checkout (`/checkout/{id}`) and the customer portal
(`/portal/session/{id}`). Plain server-rendered HTML with forms; every value is HTML-escaped."""
