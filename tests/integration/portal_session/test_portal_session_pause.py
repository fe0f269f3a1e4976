"""The hosted portal's pause deep link (``flow_data.type=subscription_pause``), configured from the catalog."""

from __future__ import annotations

from tests.integration.portal_session.portal_setup import only_session, post, subscribe


def test_pause_flow_deep_links_the_callers_subscription_with_the_catalogs_lengths(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub)
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_pause"})
    assert resp["statusCode"] == 200, resp["body"]
    flow = only_session(stripe_emulator)["flow"]
    assert flow["type"] == "subscription_pause"
    assert flow["subscription_pause"] == {"subscription": subscription.id}
    config = stripe_client.v1.billing_portal.configurations.retrieve(account.configuration_id)
    pause = config.features.subscription_pause
    assert pause.enabled and pause.duration.type == "interval_options"
    assert [(o.interval, o.interval_count) for o in pause.duration.interval_options] == [
        ("month", 1),
        ("month", 2),
        ("month", 3),
    ]


def test_pause_flow_on_a_subscription_set_to_cancel_is_409(handler, stripe_env, account, stripe_client):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub)
    stripe_client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_pause"})
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "subscription_not_pausable"
