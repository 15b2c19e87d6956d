"""Poison pills: one bad delivery fails its own row, with the error written down; the rest of its batch is
sent and the sweeper keeps going."""

from datetime import timedelta

from sqlmodel import delete

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationTemplate, PushSubscription
from kisaan_app.services import accounts
from kisaan_app.services.notifications import Audience, campaigns, delivery, notify, subscriptions, templates
from kisaan_app.services.notifications.channels import sms
from kisaan_app.tasks import notifications as tasks
from tests.notifications_support import b64, browser_device, device_messages, person, row, rows


def send(user_ids, category="payments", **kw):
    with session_scope() as session:
        return notify(session, None, Audience(user_ids=tuple(user_ids), role=""), category, **kw)


def outbox(sandbox, provider, kind):
    return [r.detail for r in sandbox.outbox.list(provider, kind)]


POISON = "+919800000666"


def _sms_that_breaks_on(number: str):
    """The real Twilio send, except for one number, where something nobody expected goes wrong."""

    def send_or_break(row_):
        if row_.recipient == number:
            raise KeyError("segments")  # a bug, not a SendError
        return sms.send(row_)

    return send_or_break


def test_an_unexpected_exception_fails_only_its_own_row(messaging, monkeypatch):
    monkeypatch.setitem(delivery.SENDERS, "sms", _sms_that_breaks_on(POISON))
    people = [person(phone=p) for p in ("+919800000001", POISON, "+919800000003")]
    result = send([p.id for p in people], text="Mandi open tomorrow", channels=["sms"])

    outcomes = delivery.deliver_many(result.delivery_ids)
    by_phone = {row(i).recipient: row(i) for i in result.delivery_ids}
    assert {o.status for i, o in outcomes.items() if row(i).recipient != POISON} == {"queued"}
    bad = by_phone[POISON]
    assert (bad.status, bad.error_code, bad.next_attempt_at) == ("failed", "internal_error", None)
    assert "KeyError" in bad.error_message and "segments" in bad.error_message
    assert sorted(m["to"] for m in outbox(messaging, "twilio", "sms")) == ["+919800000001", "+919800000003"]


def test_the_sweeper_sends_the_rest_of_a_batch_with_a_poison_pill(messaging, monkeypatch):
    monkeypatch.setitem(delivery.SENDERS, "sms", _sms_that_breaks_on(POISON))
    monkeypatch.setattr(tasks, "SWEEP_GRACE", timedelta(0))
    monkeypatch.setattr(delivery, "utcnow", lambda: utcnow() + timedelta(seconds=1))
    people = [person(phone=p) for p in (POISON, "+919800000002")]
    send([p.id for p in people], text="Sweep me", channels=["sms"])

    assert tasks.sweep_deliveries.call_local() == {"failed": 1, "queued": 1}
    assert tasks.sweep_deliveries.call_local() == {}  # the pill is failed for good, not swept every minute
    assert [r.status for r in rows(channel="sms")] == ["failed", "queued"]


def test_a_broken_campaign_does_not_stop_the_sweeper(messaging, monkeypatch):
    monkeypatch.setattr(tasks, "SWEEP_GRACE", timedelta(0))
    monkeypatch.setattr(delivery, "utcnow", lambda: utcnow() + timedelta(seconds=1))
    admin = accounts.to_principal(person(role="admin", email="boss@example.in"))
    person()  # a Nashik farmer: a campaign that reaches nobody is refused before it is written
    with session_scope() as session:
        templates.save_template(
            session,
            admin,
            None,
            key="camp.hello",
            channel="in_app",
            language="en",
            category="system",
            subject=None,
            body="Namaste {{ name }}",
        )
        campaigns.start_campaign(
            session,
            admin,
            None,
            audience=Audience(district="Nashik"),
            channels=["in_app"],
            category="system",
            template_key="camp.hello",
            subject=None,
            text=None,
        )
    with session_scope() as session:  # deleted before the (lost) task ran: the campaign can no longer be written
        session.exec(delete(NotificationTemplate))
    farmer = person(email="still@example.in")
    send([farmer.id], subject="Hi", text="Still delivered", channels=["email"])

    assert tasks.sweep_deliveries.call_local() == {"sent": 1}
    assert outbox(messaging, "smtp", "email")[0]["to"] == ["still@example.in"]


def test_a_line_break_in_an_email_subject_fails_that_email_only(messaging):
    sneaky, plain = person(email="a@example.in"), person(email="b@example.in")
    bad = send([sneaky.id], subject="Hi\r\nBcc: everyone@example.in", text="x", channels=["email"])
    good = send([plain.id], subject="Hello", text="y", channels=["email"])

    outcomes = delivery.deliver_many(bad.delivery_ids + good.delivery_ids)
    assert [o.status for o in outcomes.values()] == ["failed", "sent"]
    assert row(bad.delivery_ids[0]).error_code == "email_header_invalid"
    (mail,) = outbox(messaging, "smtp", "email")
    assert mail["to"] == ["b@example.in"]


def test_an_off_curve_key_stored_earlier_fails_its_push_only(messaging):
    good_farmer, old_farmer = person(), person()
    device = browser_device(messaging.config.url)
    with session_scope() as session:
        keys = device["keys"]
        subscriptions.subscribe(
            session,
            accounts.to_principal(good_farmer),
            endpoint=device["endpoint"],
            p256dh=keys["p256dh"],
            auth=keys["auth"],
        )
        # Written before subscribe checked the curve: the right length, not a point on P-256.
        stale = browser_device(messaging.config.url)
        session.add(
            PushSubscription(
                user_id=old_farmer.id, endpoint=stale["endpoint"], p256dh=b64(b"\x04" + b"\x01" * 64), auth=keys["auth"]
            )
        )
    result = send([old_farmer.id, good_farmer.id], "system", text="Price alert", channels=["push"])

    outcomes = delivery.deliver_many(result.delivery_ids)
    by_user = {row(i).user_id: (outcomes[i].status, row(i).error_code) for i in result.delivery_ids}
    assert by_user == {old_farmer.id: ("failed", "push_key_invalid"), good_farmer.id: ("sent", None)}
    assert len(device_messages(messaging.config.url, device)) == 1
    assert device_messages(messaging.config.url, stale) == []
