"""plan_change: preview and apply plan changes, cancel / retention offer / resume, subscribe."""
