"""Twilio and the mail relay answer 500 (451 for SMTP) or hang for half the requests: every farmer still gets
each message once, after retries, within the retry budget.

The stand-ins spoil the first try of every message (sandbox/faults.py), in turn by a provider error and by a
hang longer than KISAAN_PROVIDER_TIMEOUT_SECONDS after the message was accepted: the client cannot know it went
out, and only the idempotency key keeps its retry from being a second SMS or email.
KISAAN_FAULT_FLAKY_RECIPIENTS bounds it (default 10).
"""

import pytest

from tests.faults.support_delivery import campaign_stack, expected_emails, expected_phones, setting

pytestmark = pytest.mark.faults

RECIPIENTS = setting("KISAAN_FAULT_FLAKY_RECIPIENTS", 10)
MAX_ATTEMPTS = 4


def test_half_the_requests_fail_or_hang_and_everything_arrives_once():
    env = {
        "KISAAN_PROVIDER_TIMEOUT_SECONDS": "1",
        "KISAAN_SEND_RETRY_BASE_SECONDS": "1",
        "KISAAN_SEND_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    }
    faults = {"twilio": "mixed", "smtp": "mixed"}
    with campaign_stack(RECIPIENTS, env, provider_faults=faults, fault_hang_seconds=3.0) as stack:
        stack.start_worker()
        campaign = stack.start_campaign()
        took = stack.wait_until_final(campaign["batch_id"], timeout=120 + RECIPIENTS * 3)
        phones, emails = stack.received("twilio", "sms"), stack.received("smtp", "email")
        spoiled = {name: dict(stack.sandbox.config.fault_plan(name).spoiled) for name in faults}
        replayed = sum(stack.received("twilio", "sms.replayed").values())
        duplicates = sum(stack.received("smtp", "email.duplicate").values())
        attempts = dict(
            stack.query(
                "SELECT attempts, count(*) FROM notification_history WHERE batch_id = :b GROUP BY attempts",
                b=campaign["batch_id"],
            )
        )
        statuses = stack.rows_by_status(campaign["batch_id"])

    print(
        f"\nflaky providers: {RECIPIENTS} farmers x (SMS + email) final in {took:.1f} s; spoiled requests "
        f"{spoiled}; resends caught at the provider: {replayed} by Twilio token, "
        f"{duplicates} by email Message-ID "
        f"(an SMS resend first looks for the earlier message); rows by attempts {attempts}"
    )
    assert set(phones) == expected_phones(RECIPIENTS) and set(phones.values()) == {1}
    assert set(emails) == expected_emails(RECIPIENTS) and set(emails.values()) == {1}
    assert statuses == {("sms", "delivered"): RECIPIENTS, ("email", "sent"): RECIPIENTS}
    for name in faults:  # half the requests: every message's first; both kinds of fault were played
        assert sum(spoiled[name].values()) == RECIPIENTS and set(spoiled[name]) == {"error", "hang"}
    assert duplicates > 0  # hung emails were sent again and recognised by their Message-ID (SMS: found first)
    assert max(attempts) <= MAX_ATTEMPTS  # within the retry budget
    assert attempts == {2: 2 * RECIPIENTS}  # each message: one spoiled try, one that went through
