"""portal_session: hosted Customer Portal sessions (POST /billing/portal-sessions)."""
