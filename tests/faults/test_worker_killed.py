"""kill -9 the job worker in the middle of an SMS + email campaign, start it again: every farmer got each message
exactly once at the stand-ins, and every delivery row is final.

What makes it hold: the rows are written before any send; a worker's claim leases its rows
(KISAAN_DELIVERY_LEASE_SECONDS, short here); the sweeper takes back the rows of a dead worker's lease and the
tasks it never ran; every resend carries the row's idempotency key, so Twilio's stand-in answers with the
SMS it already sent and the SMTP stand-in keeps one copy per Message-ID.

KISAAN_FAULT_CAMPAIGN_RECIPIENTS (default 200 in the suite; the test supports 2,000 and more) bounds it.
"""

import time

import pytest

from tests.faults.support_delivery import campaign_stack, expected_emails, expected_phones, setting

pytestmark = pytest.mark.faults

RECIPIENTS = setting("KISAAN_FAULT_CAMPAIGN_RECIPIENTS", 200)
LEASE_SECONDS = 10
KILL_AT = 0.3  # share of rows final when the worker is killed


def test_worker_killed_mid_campaign_every_farmer_gets_each_message_once():
    env = {"KISAAN_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS), "KISAAN_SEND_RETRY_BASE_SECONDS": "1"}
    with campaign_stack(RECIPIENTS, env) as stack:
        stack.start_worker()
        t0 = time.monotonic()
        campaign = stack.start_campaign()
        batch, expected = campaign["batch_id"], 2 * RECIPIENTS
        while (done := stack.progress(batch))[1] < KILL_AT * expected:
            assert time.monotonic() - t0 < 300, f"the campaign did not start: {done}"
            time.sleep(0.1)
        stack.kill_worker()
        killed_at = time.monotonic() - t0
        written, final = stack.progress(batch)
        (leased,) = stack.query(
            "SELECT count(*) FROM notification_history WHERE batch_id = :b AND lease_token IS NOT NULL", b=batch
        )[0]
        assert final < expected, "the campaign ended before the kill: raise the recipients"
        assert leased > 0, "the worker held no delivery when it died: kill it earlier"

        stack.start_worker()
        recovered_s = stack.wait_until_final(batch, timeout=240 + RECIPIENTS / 10)
        phones, emails = stack.received("twilio", "sms"), stack.received("smtp", "email")
        replayed = sum(stack.received("twilio", "sms.replayed").values())
        duplicates = sum(stack.received("smtp", "email.duplicate").values())
        statuses = stack.rows_by_status(batch)
        (attempts,) = stack.query("SELECT max(attempts) FROM notification_history WHERE batch_id = :b", b=batch)[0]

    print(
        f"\nworker killed: {RECIPIENTS} farmers x (SMS + email); killed after {killed_at:.1f} s with "
        f"{final}/{expected} final ({written} written, {leased} leased); after the restart all final in "
        f"{recovered_s:.1f} s; resends caught at the provider: {replayed} by Twilio token, "
        f"{duplicates} by email Message-ID "
        "(an SMS resend first looks for the earlier message); "
        f"rows: {statuses}"
    )
    assert set(phones) == expected_phones(RECIPIENTS) and set(phones.values()) == {1}  # each SMS once
    assert set(emails) == expected_emails(RECIPIENTS) and set(emails.values()) == {1}  # each email once
    assert statuses == {("sms", "delivered"): RECIPIENTS, ("email", "sent"): RECIPIENTS}
    assert attempts <= 5  # the default retry budget
