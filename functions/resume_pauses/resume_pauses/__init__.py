"""The hourly automatic resume of paused subscriptions whose resume date has passed."""
