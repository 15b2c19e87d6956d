"""SMS commands end to end: the Twilio stand-in signs and posts a farmer's text to the live API's inbound webhook,
the reply is an ordinary SMS delivery sent back through the stand-in. Both databases (the `messaging` fixture)."""

from datetime import timedelta

import httpx
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.feeds import WeatherAlert
from kisaan_app.models.notifications import NotificationHistory, SmsConsent
from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.services.feeds.price_alerts import today_in_india
from kisaan_app.services.feeds.prices import PriceRecord, upsert
from kisaan_app.services.notifications import Audience, notify
from kisaan_app.services.notifications.delivery import deliver_due
from kisaan_app.services.ratelimit import reset_limiter
from kisaan_app.settings import get_settings
from tests.factories import make_user, next_phone
from tests.notifications_support import rows, wait_for

INBOUND = "/api/notifications/sms/inbound"


def farmer(language: str = "en", crops: tuple[str, ...] = ("Onion",), district: str = "Nashik") -> User:
    user = make_user("farmer", district=district)
    with session_scope() as session:
        row = session.get(User, user.id)
        row.preferred_language = language
        profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).one()
        profile.crops, profile.state = list(crops), "Maharashtra"
        session.add_all([row, profile])
        session.flush()
        session.refresh(row)
        return row


def onion_prices() -> None:
    day = today_in_india() - timedelta(days=1)
    with session_scope() as session:
        for district, market, modal in (("Pune", "Pune", 2100_00), ("Nashik", "Lasalgaon", 1800_00)):
            upsert(
                session,
                PriceRecord(
                    "Maharashtra", district, market, "Onion", "Red", "FAQ", day, modal - 300_00, modal + 300_00, modal
                ),
            )


def text_app(sandbox, phone: str, body: str, repeat: int = 1) -> dict:
    answer = httpx.post(
        f"{sandbox.config.url}/sandbox/twilio/inbound", json={"from": phone, "body": body, "repeat": repeat}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert all(a.get("status_code") == 200 for a in result["answers"]), result
    assert "<Response" in result["answers"][0]["body"]  # empty TwiML: the reply is a delivery of its own
    return result


def exchange(phone: str) -> tuple[list[NotificationHistory], list[NotificationHistory]]:
    """(what the number sent us, what we sent the number), oldest first."""
    found = rows(recipient=phone)
    return [r for r in found if r.direction == "inbound"], [r for r in found if r.direction == "outbound"]


def test_price_in_english_hindi_and_roman_answered_in_the_farmers_language(api, messaging):
    onion_prices()
    meena = farmer("hi")
    for body in ("PRICE ONION", "भाव प्याज", "pyaz ka bhav"):
        text_app(messaging, meena.phone, body)
    inbound, replies = exchange(meena.phone)
    assert [r.body for r in inbound] == ["PRICE ONION", "भाव प्याज", "pyaz ka bhav"]
    assert all(r.data["command"] == "price" and r.data["crop"] == "Onion" for r in inbound)
    assert len(replies) == 3 and len({r.body for r in replies}) == 1
    reply = replies[0].body
    # Hindi, her district's market first, then the rest of her state; within two SMS parts.
    assert reply.startswith("प्याज़ ₹/क्विंटल:") and reply.index("Lasalgaon") < reply.index("Pune")
    assert "₹1,800 (1,500-2,100)" in reply and segment_count(reply)[0] <= 2
    assert replies[0].data["in_reply_to"] == inbound[0].id and inbound[0].user_id == meena.id

    deliver_due()  # the worker's job: the replies go out through Twilio like any SMS
    sent = wait_for(lambda: [m for m in messaging.outbox.list("twilio", "sms") if m.detail["to"] == meena.phone])
    assert sent[0].detail["body"] == reply
    assert {r.status for r in exchange(meena.phone)[1]} <= {DeliveryStatus.QUEUED, DeliveryStatus.SENT, "delivered"}


def test_alerts_help_and_an_unknown_number(api, messaging):
    ravi = farmer("en")
    with session_scope() as session:
        now = utcnow()
        session.add(
            WeatherAlert(
                district="Nashik",
                state="Maharashtra",
                severity="red",
                title="Hail tonight",
                message="Cover the onion stacks",
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(hours=12),
            )
        )
    text_app(messaging, ravi.phone, "ALERTS")
    text_app(messaging, ravi.phone, "मदद")  # Hindi words, English profile: answered in English
    _inbound, (alerts, help_reply) = exchange(ravi.phone)
    assert alerts.body.startswith("Warnings, Nashik:\nRed: Hail tonight (till ")
    assert help_reply.body.startswith("Kisaansay SMS: PRICE ONION") and segment_count(help_reply.body) == (1, "GSM-7")

    stranger = next_phone()  # nobody registered this number
    text_app(messaging, stranger, "भाव प्याज")
    text_app(messaging, stranger, "PRICE ONION")
    inbound, (hindi, english) = exchange(stranger)
    assert [r.user_id for r in inbound] == [None, None]
    assert hindi.body.startswith("यह नंबर किसानसे पर दर्ज नहीं है") and hindi.language == "hi"
    assert english.body.startswith("This number is not registered") and english.language == "en"


def test_stop_silences_every_sms_path_and_start_resumes(api, messaging):
    asha = farmer("hi")
    queued_before = _pending_sms(asha)  # e.g. a reset code queued just before she texts STOP

    text_app(messaging, asha.phone, "बंद")
    with session_scope() as session:
        consent = session.exec(select(SmsConsent).where(SmsConsent.phone == asha.phone)).one()
        assert consent.opted_out and consent.keyword == "बंद" and consent.user_id == asha.id
        audit = session.exec(select(AuditLog).where(AuditLog.action == "sms.opted_out")).one()
        assert audit.actor_label == asha.phone
    _inbound, (_queued, confirmation) = exchange(asha.phone)
    assert confirmation.body.startswith("किसानसे: अब SMS नहीं आएंगे") and confirmation.data["consent_notice"]

    with session_scope() as session:  # a campaign (or warning, or price alert): SMS is left out, the inbox is not
        result = notify(
            session,
            None,
            Audience(user_ids=(asha.id,), role=""),
            "payments",
            text="₹500 paid",
            channels=["in_app", "sms"],
        )
        assert result.deliveries == {"in_app": 1, "sms": 0}
    deliver_due()
    assert _status(queued_before) == DeliveryStatus.SKIPPED  # already queued: skipped at send time, never sent
    assert _status(confirmation.id) != DeliveryStatus.SKIPPED  # the STOP's own confirmation does go
    sent_to_her = [m.detail["body"] for m in messaging.outbox.list("twilio", "sms") if m.detail["to"] == asha.phone]
    assert sent_to_her == [confirmation.body]

    text_app(messaging, asha.phone, "START")
    with session_scope() as session:
        assert not session.exec(select(SmsConsent).where(SmsConsent.phone == asha.phone)).one().opted_out
        result = notify(
            session, None, Audience(user_ids=(asha.id,), role=""), "payments", text="₹700 paid", channels=["sms"]
        )
        assert result.deliveries == {"sms": 1}
    assert exchange(asha.phone)[1][-2].body.startswith("किसानसे: SMS फिर से चालू")


def _pending_sms(user: User) -> int:
    with session_scope() as session:
        row = NotificationHistory(
            idempotency_key=f"test-queued:{user.id}",
            user_id=user.id,
            channel="sms",
            recipient=user.phone,
            body="Your code is 123456",
            status=DeliveryStatus.PENDING,
        )
        session.add(row)
        session.flush()
        return row.id


def _status(delivery_id: int) -> str:
    with session_scope() as session:
        return session.get(NotificationHistory, delivery_id).status


def test_a_bad_signature_is_refused_and_leaves_no_trace(api, messaging, live_api_url):
    form = {"MessageSid": "SM" + "1" * 32, "From": "+919822000009", "To": "+15005550006", "Body": "STOP"}
    for signature in (None, "bm90IGEgc2lnbmF0dXJl"):
        headers = {"X-Twilio-Signature": signature} if signature else {}
        answer = httpx.post(f"{live_api_url}{INBOUND}", data=form, headers=headers, timeout=10)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "twilio_signature_invalid"
    with session_scope() as session:
        assert rows() == [] and session.exec(select(SmsConsent)).all() == []


def test_twilio_delivering_the_same_message_again_is_answered_once(api, messaging):
    from prometheus_client import REGISTRY

    def counted(outcome: str) -> float:
        labels = {"command": "help", "outcome": outcome}
        return REGISTRY.get_sample_value("kisaan_sms_commands_total", labels) or 0.0

    before = counted("replied"), counted("duplicate")
    sita = farmer("en")
    result = text_app(messaging, sita.phone, "HELP", repeat=3)
    assert len(result["answers"]) == 3
    inbound, replies = exchange(sita.phone)
    assert len(inbound) == 1 and inbound[0].provider_message_id == result["message_sid"]
    assert len(replies) == 1
    assert (counted("replied") - before[0], counted("duplicate") - before[1]) == (1, 2)  # the API runs in-process


def test_a_flood_from_one_number_is_recorded_but_answered_only_up_to_the_limit(api, messaging, monkeypatch):
    monkeypatch.setenv("KISAAN_SMS_COMMAND_RATE_PER_NUMBER", "2/hour")
    get_settings.cache_clear()
    reset_limiter()
    try:
        gopal = farmer("en")
        for _ in range(4):
            text_app(messaging, gopal.phone, "HELP")
        text_app(messaging, gopal.phone, "STOP")  # over the limit, still honoured: consent is never rate limited
        inbound, replies = exchange(gopal.phone)
        assert len(inbound) == 5 and len(replies) == 2
        assert [r.data.get("reply") for r in inbound[2:]] == ["rate_limited"] * 3
        with session_scope() as session:
            assert session.exec(select(SmsConsent).where(SmsConsent.phone == gopal.phone)).one().opted_out
    finally:
        monkeypatch.delenv("KISAAN_SMS_COMMAND_RATE_PER_NUMBER")
        get_settings.cache_clear()
        reset_limiter()


def _signed_post(live_api_url: str, form: dict[str, str]) -> int:
    from twilio.request_validator import RequestValidator

    from kisaan_app.providers.sandbox_keys import SANDBOX_TWILIO_AUTH_TOKEN

    url = f"{live_api_url}{INBOUND}"
    signature = RequestValidator(SANDBOX_TWILIO_AUTH_TOKEN).compute_signature(url, form)
    return httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30).status_code


def test_concurrent_deliveries_and_stops_from_one_number_land_once(api, messaging, live_api_url):
    import threading

    phone = next_phone()
    same = {"MessageSid": "SM" + "a" * 32, "From": phone, "To": "+15005550006", "Body": "STOP"}
    other = {**same, "MessageSid": "SM" + "b" * 32, "Body": "UNSUBSCRIBE"}
    forms = [same, same, same, other]
    barrier, codes = threading.Barrier(len(forms)), []

    def post(form):
        barrier.wait()
        codes.append(_signed_post(live_api_url, form))

    threads = [threading.Thread(target=post, args=(f,)) for f in forms]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert codes == [200] * 4
    inbound, replies = exchange(phone)
    assert sorted(r.provider_message_id for r in inbound) == [same["MessageSid"], other["MessageSid"]]
    assert len(replies) == 2  # one confirmation per message, none for the repeats
    with session_scope() as session:
        assert session.exec(select(SmsConsent).where(SmsConsent.phone == phone)).one().opted_out
        assert len(session.exec(select(AuditLog).where(AuditLog.actor_label == phone)).all()) == 1


def test_the_text_app_command_prints_the_reply_the_worker_sent(api, messaging, capsys):
    import threading

    from kisaan_app.__main__ import main

    ravi = farmer("en")
    done = threading.Event()

    def worker():  # what the job worker does while the command waits
        while not done.is_set():
            deliver_due()
            done.wait(0.2)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert main(["text-app", "--from", ravi.phone, "--wait", "20", "HELP"]) == 0
    finally:
        done.set()
        thread.join(timeout=30)
    out = capsys.readouterr().out
    assert f"{ravi.phone} → app: 'HELP'" in out and f"app → {ravi.phone}: Kisaansay SMS: PRICE ONION" in out
