"""Delivery bookkeeping through the real stand-ins, on both databases: a worker's lease on a delivery, its
recovery after the worker died mid-send, a late answer that lost its lease, rate-limit waits that are not
attempts, and the idempotency key that makes the provider recognise a resend (one SMS, one email, one push)."""

from datetime import timedelta

import pytest

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.services import accounts
from kisaan_app.services.health import _check_deliveries
from kisaan_app.services.notifications import Audience, notify, subscriptions
from kisaan_app.services.notifications.channels import Sent, email, push, sms
from kisaan_app.services.notifications.delivery import _claim, _sent, deliver, deliver_due, lease_length
from kisaan_app.settings import get_settings
from tests.notifications_support import browser_device, device_messages, person, row, rows, wait_for


def send(user_ids, category="payments", **kw):
    with session_scope() as session:
        return notify(session, None, Audience(user_ids=tuple(user_ids), role=""), category, **kw)


def outbox(sandbox, provider, kind):
    return [r.detail for r in sandbox.outbox.list(provider, kind)]


def _one_pending(channel, **person_kw):
    farmer = person(**person_kw)
    send([farmer.id], subject="Bhav", text="Onion ₹2,150/qtl at Lasalgaon", channels=[channel])
    (pending,) = rows(channel=channel)
    return farmer, pending


def _died_mid_send(delivery_id, now):
    """What a worker killed between the provider's answer and our commit leaves: a leased row, a sent message."""
    _token, (claimed,) = _claim([delivery_id], now)
    answer = {"sms": sms.send, "email": email.send, "push": push.send}[claimed.channel](claimed)
    return claimed, answer


def test_a_claim_leases_the_row_and_no_one_else_sends_it_until_the_lease_ends(messaging):
    _farmer, pending = _one_pending("email", email="lease@example.in")
    now = utcnow()
    token, (claimed,) = _claim([pending.id], now)
    held = row(pending.id)
    assert (held.status, held.attempts, held.lease_token) == ("pending", 1, token)
    assert held.leased_until == now + lease_length()

    assert deliver(pending.id, now=now + timedelta(seconds=1)).status == "pending"  # leased: untouched
    assert deliver_due(now=now + timedelta(seconds=1)) == {}
    assert row(pending.id).attempts == 1 and outbox(messaging, "smtp", "email") == []
    health = _check_deliveries(now + timedelta(seconds=1))
    assert (health["sending"], health["due"]) == (1, 0)  # in flight, not overdue

    after = now + lease_length() + timedelta(seconds=1)
    assert _check_deliveries(after)["due"] == 1  # the worker died: the row is due again
    assert deliver_due(now=after) == {"sent": 1}
    done = row(pending.id)
    assert (done.status, done.attempts, done.leased_until, done.lease_token) == ("sent", 2, None, None)


@pytest.mark.parametrize("channel", ["sms", "email", "push"])
def test_a_worker_killed_after_the_send_is_recovered_without_a_second_message(messaging, channel):
    """The sweeper sends again after the lease; the provider recognises the idempotency key."""
    if channel == "push":
        farmer = person()
        device = browser_device(messaging.config.url)
        with session_scope() as session:
            keys = device["keys"]
            subscriptions.subscribe(
                session,
                accounts.to_principal(farmer),
                endpoint=device["endpoint"],
                p256dh=keys["p256dh"],
                auth=keys["auth"],
            )
        send([farmer.id], subject="Bhav", text="Onion ₹2,150/qtl", channels=["push"])
        (pending,) = rows(channel="push")
    else:
        _farmer, pending = _one_pending(channel, phone="+919812340001", email="killed@example.in")
    now = utcnow()
    _claimed, first_answer = _died_mid_send(pending.id, now)
    assert row(pending.id).provider_message_id is None  # the answer died with the worker

    outcome = deliver_due(now=now + lease_length() + timedelta(seconds=1))
    assert sum(outcome.values()) == 1 and "pending" not in outcome and "failed" not in outcome
    recovered = row(pending.id)
    assert recovered.attempts == 2 and recovered.lease_token is None
    if channel == "sms":
        assert len(outbox(messaging, "twilio", "sms")) == 1  # the phone got one SMS
        assert recovered.provider_message_id == first_answer.provider_message_id
        # Its callbacks went by before we knew the sid; the replayed answer still brings the row to its end.
        wait_for(lambda: row(pending.id).status == "delivered")
    elif channel == "email":
        assert len(outbox(messaging, "smtp", "email")) == 1
        (duplicate,) = outbox(messaging, "smtp", "email.duplicate")
        assert duplicate["message_id"] == recovered.provider_message_id == first_answer.provider_message_id
    else:
        (message,) = device_messages(messaging.config.url, device)  # one notification on the phone
        assert message["replaced"] and len(outbox(messaging, "webpush", "push.replaced")) == 1


@pytest.mark.parametrize("guard", ["lookup", "token"])
def test_each_sms_guard_alone_stops_a_second_sms_after_a_lost_answer(messaging, monkeypatch, guard):
    """Real Twilio ignores our token header: looking for the earlier try's message must be enough. And the
    token alone is enough at a provider that honours it (the stand-in does)."""
    from contextlib import nullcontext

    if guard == "lookup":
        monkeypatch.setattr(sms, "idempotency_token", lambda _key: nullcontext())  # as real Twilio: no token
    else:
        monkeypatch.setattr(sms, "_made_by_an_earlier_try", lambda _delivery: None)
    _farmer, pending = _one_pending("sms", phone="+919812340004")
    now = utcnow()
    _claimed, first_answer = _died_mid_send(pending.id, now)
    (status,) = deliver_due(now=now + lease_length() + timedelta(seconds=1))  # Twilio's status as found
    assert status in ("queued", "sent", "delivered")
    wait_for(lambda: row(pending.id).status == "delivered")
    assert len(outbox(messaging, "twilio", "sms")) == 1
    assert row(pending.id).provider_message_id == first_answer.provider_message_id
    assert len(outbox(messaging, "twilio", "sms.replayed")) == (1 if guard == "token" else 0)


def test_an_answer_that_lost_its_lease_does_not_overwrite_the_newer_send(messaging):
    _farmer, pending = _one_pending("email", email="slow@example.in")
    now = utcnow()
    stale_token, (stale,) = _claim([pending.id], now)
    assert deliver(pending.id, now=now + lease_length() + timedelta(seconds=1)).status == "sent"
    newer = row(pending.id)

    late = _sent(stale, stale_token, Sent("<late@kisaansay.in>"))
    assert late.status == "pending"  # reported as not ours to record
    kept = row(pending.id)
    assert (kept.provider_message_id, kept.updated_at) == (newer.provider_message_id, newer.updated_at)


def test_rate_limit_waits_spend_no_attempt_and_never_exhaust_the_budget(messaging, monkeypatch):
    from kisaan_app.services.notifications import delivery

    monkeypatch.setenv("KISAAN_SMS_RATE", "1/hour")
    monkeypatch.setenv("KISAAN_SEND_MAX_ATTEMPTS", "2")
    monkeypatch.setattr(delivery, "RATE_WAIT_SECONDS", 0.05)
    get_settings.cache_clear()
    first, second = person(phone="+919812340002"), person(phone="+919812340003")
    send([first.id, second.id], text="Mandi bhav", channels=["sms"])
    a, b = rows(channel="sms")
    assert deliver(a.id).status == "queued"
    now = utcnow()
    for wait in range(5):  # more waits than the whole retry budget
        assert deliver(b.id, now=now + timedelta(minutes=wait)).status == "pending"
        waiting = row(b.id)
        assert (waiting.attempts, waiting.error_code, waiting.lease_token) == (0, "rate_limited", None)
    assert len(outbox(messaging, "twilio", "sms")) == 1

    monkeypatch.setenv("KISAAN_SMS_RATE", "100/second")
    get_settings.cache_clear()
    assert deliver(b.id, now=now + timedelta(minutes=10)).status == "queued"
    assert row(b.id).attempts == 1  # its first real attempt


def test_a_flaky_push_service_delivers_each_notification_once_on_the_retry(messaging, monkeypatch):
    """The push stand-in spoils every notification's first request: a 500, then a hang past our timeout after
    it reached the device. The retries go through, and the hung one replaces itself (same Topic): one each."""
    from sandbox.faults import FaultPlan

    monkeypatch.setenv("KISAAN_PROVIDER_TIMEOUT_SECONDS", "3")
    get_settings.cache_clear()
    monkeypatch.setattr(messaging.config, "fault_hang_seconds", 5)
    monkeypatch.setitem(messaging.config._fault_plans, "webpush", FaultPlan("mixed"))
    devices = []
    for _ in range(2):
        farmer, device = person(), browser_device(messaging.config.url)
        with session_scope() as session:
            keys = device["keys"]
            subscriptions.subscribe(session, accounts.to_principal(farmer), endpoint=device["endpoint"], **keys)
        send([farmer.id], subject="Ole", text="Hail tonight: cover the onion nursery", channels=["push"])
        devices.append(device)
    first, second = rows(channel="push")

    now = utcnow()
    assert deliver(first.id, now=now).status == "pending" and row(first.id).error_code == "push_500"
    assert deliver(second.id, now=now).status == "pending"  # it hung: reached the phone, answer lost
    assert row(second.id).error_code == "push_unreachable"
    later = now + timedelta(minutes=5)
    assert deliver_due(now=later) == {"sent": 2}
    assert [row(r.id).attempts for r in (first, second)] == [2, 2]
    for device in devices:
        assert len(device_messages(messaging.config.url, device)) == 1
    assert len(outbox(messaging, "webpush", "push.replaced")) == 1
