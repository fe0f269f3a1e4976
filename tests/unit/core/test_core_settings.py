"""Settings: lazy, typed, and refusing dangerous key/stage combinations (F2, F5)."""

import pytest
from billing_core.errors import ConfigurationError
from billing_core.settings import check_key_matches_stage, get_settings, load_settings, reset_settings

BASE = {
    "TABLE_NAME": "t",
    "IDEMPOTENCY_TABLE_NAME": "i",
    "STRIPE_SECRET_NAME": "s",
}


@pytest.fixture
def env(monkeypatch):
    for name in ("STRIPE_LIVEMODE", "STRIPE_PUBLISHABLE_KEY", "POWERTOOLS_IDEMPOTENCY_DISABLED", "GRACE_PERIOD_DAYS"):
        monkeypatch.delenv(name, raising=False)
    for k, v in BASE.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    yield monkeypatch
    reset_settings()


def test_settings_are_read_lazily_and_cached(env):
    env.setenv("STAGE", "dev")
    first = get_settings()
    env.setenv("TABLE_NAME", "other")
    assert get_settings() is first and first.table_name == "t"
    reset_settings()
    assert get_settings().table_name == "other"


def test_missing_table_name_is_a_configuration_error(env):
    env.delenv("TABLE_NAME")
    with pytest.raises(ConfigurationError) as err:
        load_settings()
    assert "TABLE_NAME" in err.value.log_context["message_for_logs"]
    assert err.value.status == 500


@pytest.mark.parametrize("key", ["sk_live_abc", "rk_live_abc"])
@pytest.mark.parametrize("stage", ["local", "dev"])
def test_f2_live_key_outside_prod_is_refused(env, key, stage):
    env.setenv("STAGE", stage)
    with pytest.raises(ConfigurationError) as err:
        check_key_matches_stage(key, load_settings())
    assert "live Stripe key" in err.value.log_context["message_for_logs"]


def test_f2_test_key_in_live_prod_is_refused(env):
    env.setenv("STAGE", "prod")
    env.setenv("STRIPE_LIVEMODE", "true")
    with pytest.raises(ConfigurationError) as err:
        check_key_matches_stage("sk_test_abc", load_settings())
    assert "test Stripe key" in err.value.log_context["message_for_logs"]


def test_f2_matching_keys_are_accepted(env):
    env.setenv("STAGE", "prod")
    env.setenv("STRIPE_LIVEMODE", "true")
    check_key_matches_stage("rk_live_abc", load_settings())
    env.setenv("STAGE", "dev")
    env.setenv("STRIPE_LIVEMODE", "false")
    check_key_matches_stage("sk_test_abc", load_settings())


def test_f2_livemode_outside_prod_and_live_publishable_key_refuse_to_start(env):
    env.setenv("STAGE", "dev")
    env.setenv("STRIPE_LIVEMODE", "true")
    with pytest.raises(ConfigurationError):
        load_settings()
    env.setenv("STRIPE_LIVEMODE", "false")
    env.setenv("STRIPE_PUBLISHABLE_KEY", "pk_live_abc")
    with pytest.raises(ConfigurationError):
        load_settings()


def test_f2_garbage_key_is_refused(env):
    env.setenv("STAGE", "local")
    with pytest.raises(ConfigurationError):
        check_key_matches_stage("not-a-key", load_settings())


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_f5_idempotency_cannot_be_disabled_in_a_deployed_stage(env, stage):
    env.setenv("STAGE", stage)
    env.setenv("POWERTOOLS_IDEMPOTENCY_DISABLED", "true")
    with pytest.raises(ConfigurationError) as err:
        load_settings()
    assert "POWERTOOLS_IDEMPOTENCY_DISABLED" in err.value.log_context["message_for_logs"]


def test_f5_local_stage_may_disable_idempotency(env):
    env.setenv("STAGE", "local")
    env.setenv("POWERTOOLS_IDEMPOTENCY_DISABLED", "1")
    assert load_settings().stage == "local"


def test_unknown_stage_is_refused(env):
    env.setenv("STAGE", "staging")
    with pytest.raises(ConfigurationError):
        load_settings()
