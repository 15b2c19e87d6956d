"""Deliveries end to end through the stand-ins: Twilio (SDK + signed callbacks into the live API), SMTP and
Web Push (decrypted with the test's own device keys), retries, quiet hours, idempotency, escalation."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import PushSubscription
from kisaan_app.services import accounts, inbox
from kisaan_app.services.errors import PermissionDenied, ValidationFailed
from kisaan_app.services.notifications import Audience, callbacks, notify, preferences, subscriptions
from kisaan_app.services.notifications.channels.base import key_digest
from kisaan_app.services.notifications.delivery import backoff_seconds, deliver, deliver_due
from kisaan_app.services.notifications.escalation import escalate_unread
from kisaan_app.settings import get_settings
from tests.notifications_support import browser_device, device_messages, person, row, rows, wait_for
from tests.sandbox.support import TWILIO_SIGNATURE_VECTOR


def send(user_ids, category="weather", **kw):
    with session_scope() as session:
        return notify(session, None, Audience(user_ids=tuple(user_ids), role=""), category, **kw)


def outbox(sandbox, provider, kind):
    return [r.detail for r in sandbox.outbox.list(provider, kind)]


def test_sms_reaches_twilio_and_the_signed_callback_marks_it_delivered(messaging):
    farmer = person(phone="+919812345678")
    text = "लाल चेतावनी: नासिक में कल भारी बारिश। फसल ढक दें। " * 2
    result = send([farmer.id], text=text, channels=["in_app", "sms"], critical=True)

    (sms_row,) = rows(channel="sms")
    assert sms_row.status == "pending" and sms_row.attempts == 0  # written before any provider call
    assert outbox(messaging, "twilio", "sms") == []
    assert result.deliveries == {"in_app": 1, "sms": 1} and rows(channel="in_app")[0].status == "delivered"

    assert deliver(sms_row.id).status == "queued"
    sent = row(sms_row.id)
    assert sent.provider_message_id.startswith("SM") and sent.segments == 2 and sent.attempts == 1
    (received,) = outbox(messaging, "twilio", "sms")
    assert received["to"] == "+919812345678" and received["body"] == text and received["encoding"] == "UCS-2"

    done = wait_for(lambda: (r := row(sms_row.id)).status == "delivered" and r)
    assert done.delivered_at is not None
    callbacks_seen = outbox(messaging, "twilio", "sms.status_callback")
    assert {c["params"]["MessageStatus"] for c in callbacks_seen} == {"sent", "delivered"}
    assert all(c["delivered"] for c in callbacks_seen)  # our route answered 204 to each signed callback


@pytest.mark.parametrize(
    ("number", "code"),
    [("+15005550001", "21211"), ("+15005550002", "21612"), ("+15005550004", "21610"), ("+15005550009", "21614")],
)
def test_twilio_test_numbers_fail_with_their_code_and_no_retry(messaging, number, code):
    farmer = person(phone=number)
    send([farmer.id], text="Mandi bhav: wheat 2275/qtl", channels=["sms"])
    (pending,) = rows(channel="sms")

    assert deliver(pending.id).status == "failed"
    failed = row(pending.id)
    assert (failed.error_code, failed.attempts, failed.next_attempt_at) == (code, 1, None)
    assert failed.error_message
    assert deliver(pending.id, now=utcnow() + timedelta(days=1)).status == "failed"  # permanent: never again
    assert row(pending.id).attempts == 1


def test_twilio_signature_documented_vector_and_a_forged_callback(db, monkeypatch):
    token, url, params, signature = TWILIO_SIGNATURE_VECTOR
    monkeypatch.setattr(callbacks, "auth_token", lambda: token)
    with session_scope() as session:
        # The signature is valid, so the only complaint left is that no message has that sid.
        with pytest.raises(callbacks.NotYetRecorded):
            callbacks.twilio_status(session, url, params, signature)
        with pytest.raises(PermissionDenied):
            callbacks.twilio_status(session, url, {**params, "Digits": "9999"}, signature)
        with pytest.raises(PermissionDenied):
            callbacks.twilio_status(session, url, params, None)


def test_email_with_html_and_text_reaches_the_smtp_standin(messaging):
    farmer = person(email="ramesh@example.in")
    send([farmer.id], "payments", subject="Payment received", text="₹2,500 from {{ buyer }}", data={"buyer": "Imran"})
    (pending,) = rows(channel="email")

    assert deliver(pending.id).status == "sent"
    (mail,) = outbox(messaging, "smtp", "email")
    assert mail["to"] == ["ramesh@example.in"] and mail["subject"] == "Payment received"
    assert mail["text"].strip() == "₹2,500 from Imran" and "<p>₹2,500 from Imran</p>" in mail["html"]
    assert row(pending.id).provider_message_id == mail["message_id"]


def test_a_rejected_recipient_is_a_failed_row_and_tempfail_retries(messaging):
    bounced = person(email="reject.me@example.in")
    later = person(email="tempfail@example.in")
    send([bounced.id, later.id], "payments", subject="Hi", text="Hello")
    first, second = rows(channel="email")

    assert deliver(first.id).status == "failed"
    assert (row(first.id).error_code, row(first.id).next_attempt_at) == ("smtp_550", None)
    assert deliver(second.id).status == "pending"
    assert row(second.id).error_code == "smtp_451" and row(second.id).next_attempt_at is not None


def test_a_transient_failure_retries_with_backoff_then_succeeds(messaging, monkeypatch):
    farmer = person(email="sita@example.in")
    send([farmer.id], "payments", subject="Hi", text="Your payment is on its way", channels=["email"])
    (pending,) = rows(channel="email")

    real_port = get_settings().sandbox_smtp_port
    monkeypatch.setenv("KISAAN_SANDBOX_SMTP_PORT", "1")  # nothing listens there: connection refused
    get_settings.cache_clear()
    start = utcnow()
    assert deliver(pending.id, now=start).status == "pending"
    first = row(pending.id)
    assert first.attempts == 1 and first.error_code == "smtp_unreachable"
    assert first.next_attempt_at == start + timedelta(seconds=backoff_seconds(1))
    assert deliver(pending.id, now=start + timedelta(seconds=1)).status == "pending"  # not due yet: untouched
    assert row(pending.id).attempts == 1

    assert deliver(pending.id, now=first.next_attempt_at).status == "pending"
    second = row(pending.id)
    assert second.attempts == 2
    assert second.next_attempt_at - first.next_attempt_at == timedelta(seconds=2 * backoff_seconds(1))

    monkeypatch.setenv("KISAAN_SANDBOX_SMTP_PORT", str(real_port))
    get_settings.cache_clear()
    assert deliver_due(now=second.next_attempt_at) == {"sent": 1}
    done = row(pending.id)
    assert (done.status, done.attempts, done.error_code) == ("sent", 3, None)
    assert len(outbox(messaging, "smtp", "email")) == 1


def _subscribe(user, subscription):
    with session_scope() as session:
        principal = accounts.to_principal(user)
        keys = subscription["keys"]
        subscriptions.subscribe(
            session, principal, endpoint=subscription["endpoint"], p256dh=keys["p256dh"], auth=keys["auth"]
        )


def test_push_is_decrypted_by_the_standin_with_the_devices_keys(messaging):
    farmer = person()
    device = browser_device(messaging.config.url)
    _subscribe(farmer, device)
    send([farmer.id], "system", subject="मंडी भाव", text="Wheat ₹2,275/qtl", url="/prices/wheat", channels=["push"])
    (pending,) = rows(channel="push")
    assert pending.recipient == device["endpoint"]

    assert deliver(pending.id).status == "sent"
    (message,) = device_messages(messaging.config.url, device)
    tag = key_digest(pending.idempotency_key, 16)  # the same on every resend: the phone shows one notification
    shown = {"title": "मंडी भाव", "body": "Wheat ₹2,275/qtl", "url": "/prices/wheat", "tag": tag}
    assert json.loads(message["text"]) == shown
    assert message["ttl"] == get_settings().push_ttl_seconds and message["vapid_sub"] == get_settings().vapid_subject


def test_a_gone_subscription_is_deleted(messaging):
    farmer = person()
    device = browser_device(messaging.config.url, behaviour="gone")
    _subscribe(farmer, device)
    send([farmer.id], "system", text="hello", channels=["push"])
    (pending,) = rows(channel="push")

    assert deliver(pending.id).status == "failed"
    assert row(pending.id).error_code == "push_gone"
    with session_scope() as session:
        assert session.exec(select(PushSubscription)).all() == []


def test_throttled_push_honours_retry_after(messaging):
    farmer = person()
    _subscribe(farmer, browser_device(messaging.config.url, behaviour="throttle"))
    send([farmer.id], "system", text="hello", channels=["push"])
    (pending,) = rows(channel="push")
    start = utcnow()
    outcome = deliver(pending.id, now=start)
    assert outcome.status == "pending" and outcome.retry_at == start + timedelta(seconds=max(30, backoff_seconds(1)))
    assert row(pending.id).error_code == "push_429"


def test_a_missing_template_variable_is_a_clear_error_and_nothing_is_written(messaging):
    farmer = person(phone="+919812345679")
    with pytest.raises(ValidationFailed) as err:
        send([farmer.id], text="Rain {{ rain_mm }} mm at {{ hour }}", channels=["in_app", "sms"], data={"hour": 5})
    assert err.value.code == "template_missing_variable" and err.value.params["name"] == "rain_mm"
    assert rows() == [] and outbox(messaging, "twilio", "sms") == []


def _quiet_now(user_id: int) -> None:
    """Quiet hours around the current time in Kolkata."""
    now = datetime.now(ZoneInfo("Asia/Kolkata"))
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    with session_scope() as session:
        user = session.get(accounts.User, user_id)
        preferences.save_preferences(
            session, accounts.to_principal(user), channels={}, quiet_start=start, quiet_end=end
        )


def test_quiet_hours_hold_back_sms_but_critical_alerts_bypass_them(db):
    farmer = person(phone="+919812345670")
    _quiet_now(farmer.id)
    quiet = send([farmer.id], text="Prices are up", channels=["in_app", "sms"])
    assert quiet.deliveries == {"in_app": 1, "sms": 0}
    loud = send([farmer.id], text="Red alert: hail tonight", channels=["in_app", "sms"], critical=True)
    assert loud.deliveries == {"in_app": 1, "sms": 1}


def test_quiet_hours_wrap_midnight():
    row_ = preferences.NotificationPreference(
        user_id=1, quiet_hours_start=datetime(2026, 1, 1, 22).time(), quiet_hours_end=datetime(2026, 1, 1, 6).time()
    )
    at = lambda h: datetime(2026, 12, 1, h, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)  # noqa: E731
    assert preferences.in_quiet_hours(row_, at(23)) and preferences.in_quiet_hours(row_, at(2))
    assert not preferences.in_quiet_hours(row_, at(12))
    assert preferences.allowed_channels(row_, "weather", False, at(23)) == ["in_app"]
    assert preferences.allowed_channels(row_, "weather", True, at(23)) == ["in_app", "push", "sms"]


def test_the_same_idempotency_key_twice_writes_one_row_per_channel(db):
    farmer = person(phone="+919812345671")
    first = send([farmer.id], text="Bid received", channels=["in_app", "sms"], idempotency_key="bid:42")
    again = send([farmer.id], text="Bid received", channels=["in_app", "sms"], idempotency_key="bid:42")
    assert first.deliveries == {"in_app": 1, "sms": 1} and again.deliveries == {"in_app": 0, "sms": 0}
    assert again.skipped == 1
    assert [r.idempotency_key for r in rows()] == [f"bid:42:{farmer.id}:in_app", f"bid:42:{farmer.id}:sms"]


def test_an_unread_critical_alert_is_escalated_by_sms_once(db):
    farmer = person(phone="+919812345672")
    send([farmer.id], text="Red alert: cyclone", channels=["in_app"], critical=True)
    later = utcnow() + timedelta(minutes=get_settings().escalate_after_minutes + 1)
    with session_scope() as session:
        assert escalate_unread(session, now=utcnow()) == 0  # too early
        assert escalate_unread(session, now=later) == 1
        assert escalate_unread(session, now=later) == 0  # once
    (sms_row,) = rows(channel="sms")
    assert sms_row.recipient == farmer.phone and sms_row.is_critical and sms_row.status == "pending"


def test_a_read_alert_is_not_escalated(db):
    farmer = person(phone="+919812345673")
    send([farmer.id], text="Red alert: cyclone", channels=["in_app"], critical=True)
    with session_scope() as session:
        inbox.mark_read(session, accounts.to_principal(session.get(accounts.User, farmer.id)))
        assert escalate_unread(session, now=utcnow() + timedelta(hours=1)) == 0


def test_a_push_payload_over_the_limit_fails_without_reaching_the_service(messaging):
    farmer = person()
    device = browser_device(messaging.config.url)
    _subscribe(farmer, device)
    send([farmer.id], "system", text="क" * 2000, channels=["push"])  # 6,000 bytes of UTF-8
    (pending,) = rows(channel="push")
    assert deliver(pending.id).status == "failed"
    assert row(pending.id).error_code == "push_payload_too_large"
    assert device_messages(messaging.config.url, device) == []


def test_email_logs_in_when_a_relay_is_configured(messaging, monkeypatch):
    from sandbox.smtp_standin import SANDBOX_SMTP_PASSWORD, SANDBOX_SMTP_USERNAME

    relay = {
        "HOST": "127.0.0.1",
        "PORT": str(messaging.config.smtp_port),
        "STARTTLS": "false",
        "USERNAME": SANDBOX_SMTP_USERNAME,
        "PASSWORD": SANDBOX_SMTP_PASSWORD,
    }
    for name, value in relay.items():
        monkeypatch.setenv(f"KISAAN_SMTP_{name}", value)
    get_settings.cache_clear()
    assert not get_settings().email_sandbox
    farmer = person(email="login@example.in")
    send([farmer.id], "payments", subject="Hi", text="Logged in", channels=["email"])
    assert deliver(rows(channel="email")[0].id).status == "sent"
    (mail,) = outbox(messaging, "smtp", "email")
    assert mail["authenticated_as"] == SANDBOX_SMTP_USERNAME


def test_a_full_rate_window_gives_the_send_back_to_the_queue(messaging, monkeypatch):
    from kisaan_app.services.notifications import delivery

    monkeypatch.setenv("KISAAN_EMAIL_RATE", "1/minute")
    monkeypatch.setattr(delivery, "RATE_WAIT_SECONDS", 0.1)
    get_settings.cache_clear()
    first, second = person(email="one@example.in"), person(email="two@example.in")
    send([first.id, second.id], "payments", subject="Hi", text="Rate", channels=["email"])
    a, b = rows(channel="email")
    assert deliver(a.id).status == "sent"
    assert deliver(b.id).status == "pending"
    assert row(b.id).error_code == "rate_limited" and len(outbox(messaging, "smtp", "email")) == 1
    assert row(b.id).attempts == 0  # our own limit deferred it: a wait, not an attempt


def test_the_sweeper_recovers_lost_enqueues(messaging, monkeypatch):
    from kisaan_app.services.notifications import campaigns, delivery
    from kisaan_app.tasks import notifications as tasks

    farmer = person(email="lost@example.in")
    send([farmer.id], "payments", subject="Hi", text="Lost and found", channels=["email"])
    assert tasks.sweep_deliveries.call_local() == {}  # fresh rows belong to their own task for a while
    monkeypatch.setattr(tasks, "SWEEP_GRACE", timedelta(0))
    with session_scope() as session:
        admin = accounts.to_principal(person(role="admin", email="boss@example.in"))
        started = campaigns.start_campaign(
            session,
            admin,
            None,
            audience=Audience(district="Nashik"),
            channels=["in_app"],
            category="system",
            template_key=None,
            subject="Hi",
            text="Hello {{ name }}",
        )
    monkeypatch.setattr(delivery, "utcnow", lambda: utcnow() + timedelta(seconds=1))
    assert tasks.sweep_deliveries.call_local() == {"sent": 1}
    assert row(rows(channel="email")[0].id).status == "sent"
    with session_scope() as session:
        assert campaigns.progress(session, admin, started.id).done
