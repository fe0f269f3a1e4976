"""F6: the log scrubber redacts secrets and personal data from every log line."""

import io
import json
import logging

import pytest
from billing_core.observability import ScrubbingFilter, logger, scrub

SECRETS = [
    "sk_test_51Habcdefghijklmnop",
    "sk_live_51Habcdefghijklmnop",
    "rk_live_51Habcdefghijklmnop",
    "whsec_abcdefghijklmnop",
    "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "ada.lovelace@example.com",
    "seti_1Pabc_secret_XYZ123",
    "pi_3Pabc_secret_XYZ123",
    "https://billing.stripe.com/p/session/test_YWNjdF8x",
    "https://checkout.stripe.com/c/pay/cs_test_a1b2",
    "http://127.0.0.1:12111/p/session/bps_123",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_f6_scrub_removes_secret(secret):
    out = scrub(f"value={secret} end")
    assert secret not in out
    assert "[REDACTED]" in out
    assert out.endswith(" end")


def test_f6_scrub_keeps_ids_that_are_not_secrets():
    text = "customer cus_123 subscription sub_456 price pro_monthly request req_abc"
    assert scrub(text) == text


def test_f6_powertools_logger_output_is_scrubbed_including_extra_fields_and_exceptions():
    stream = io.StringIO()
    handler = logger.registered_handler
    old_stream = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        try:
            raise ValueError("boom with sk_test_secretvalue123")
        except ValueError:
            logger.exception("failed for ada@example.com", extra={"auth": "Bearer abc.def.ghi"})
    finally:
        handler.setStream(old_stream)  # type: ignore[attr-defined]
    line = stream.getvalue()
    record = json.loads(line)
    assert "sk_test_secretvalue123" not in line
    assert "ada@example.com" not in line
    assert "abc.def.ghi" not in line
    assert record["message"] == "failed for [REDACTED]"


def test_f6_filter_scrubs_third_party_log_records():
    record = logging.LogRecord("stripe", logging.INFO, __file__, 1, "key=%s", ("sk_live_zzz111",), None)
    ScrubbingFilter().filter(record)
    assert record.getMessage() == "key=[REDACTED]"
