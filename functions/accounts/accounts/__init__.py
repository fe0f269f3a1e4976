"""accounts: billing accounts (teams), their members, roles and invitations."""
