"""One SMS a person sent us, through Twilio's inbound webhook: check it, record it, act on it, queue the answer.

- The X-Twilio-Signature is checked over the public URL Twilio called, before anything is read or written:
  a bad one is refused (403) and leaves no trace.
- Every exchange is in the delivery history: the inbound message is a `direction="inbound"` row, the reply an
  ordinary outbound SMS row sent by the delivery worker (retries, status callbacks, the STOP check), so the
  webhook answers Twilio with an empty TwiML and never waits on a provider.
- Twilio retries a webhook it thinks failed: the MessageSid is the inbound row's unique key, so a second
  delivery of the same message is recorded once and answered once (the insert loses, nothing else runs).
- A number that floods us gets at most KISAAN_SMS_COMMAND_RATE_PER_NUMBER replies per window; the rest are
  recorded without a reply. STOP and START are honoured even then: consent is never rate limited.
"""

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from kisaan_app.db import on_commit
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.observability import metrics
from kisaan_app.services import ratelimit
from kisaan_app.services.errors import PermissionDenied, ValidationFailed
from kisaan_app.services.feeds.price_alerts import today_in_india
from kisaan_app.services.notifications import sms_consent
from kisaan_app.services.notifications.channels.sms import auth_token
from kisaan_app.services.notifications.dispatch import enqueue_on_commit
from kisaan_app.services.sms_commands import answers, language
from kisaan_app.services.sms_commands.keywords import Command, Parsed, parse
from kisaan_app.settings import get_settings

MESSAGE_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")  # SM… for SMS, MM… for MMS
E164 = re.compile(r"^\+\d{8,15}$")
MAX_BODY = 1600  # Twilio's own limit for one (concatenated) message


@dataclass(frozen=True)
class Received:
    """What the webhook did with one inbound SMS."""

    command: str
    duplicate: bool = False
    inbound_id: int | None = None
    reply_id: int | None = None  # None: no reply (a duplicate, or over the per-number limit)


def check_signature(url: str, params: dict[str, str], signature: str | None) -> None:
    if not signature or not RequestValidator(auth_token()).validate(url, params, signature):
        raise PermissionDenied("twilio_signature_invalid")


def _sender(session: Session, phone: str, parsed: Parsed, text: str) -> answers.Sender:
    user = session.exec(select(User).where(User.phone == phone, col(User.is_active))).first()
    if user is None:
        return answers.Sender(None, None, language.guess(text, parsed))
    profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).first()
    return answers.Sender(user, profile, user.preferred_language)


def _record_inbound(
    session: Session, sid: str, phone: str, to: str, text: str, parsed: Parsed, sender: answers.Sender
) -> NotificationHistory | None:
    """The inbound row, or None when this MessageSid is already recorded (Twilio delivered it again)."""
    now = utcnow()
    row = NotificationHistory(
        idempotency_key=f"sms-in:{sid}",
        user_id=sender.user.id if sender.user else None,
        organization_id=sender.user.organization_id if sender.user else None,
        channel="sms",
        direction="inbound",
        category="system",
        recipient=phone,
        language=sender.language,
        body=text,
        data={"command": parsed.command.value, "to": to, **({"crop": parsed.crop} if parsed.crop else {})},
        status=DeliveryStatus.DELIVERED,
        provider_message_id=sid,
        sent_at=now,
        delivered_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # nothing else was written yet in this transaction
        return None
    return row


def _consent(session: Session, parsed: Parsed, phone: str, sid: str, text: str, sender: answers.Sender) -> None:
    if parsed.command not in (Command.STOP, Command.START):
        return
    user = sender.user
    sms_consent.set_consent(
        session,
        phone,
        opted_out=parsed.command == Command.STOP,
        keyword=text.strip(),
        user_id=user.id if user else None,
        organization_id=user.organization_id if user else None,
        message_sid=sid,
    )


def _reply(session: Session, inbound: NotificationHistory, parsed: Parsed, sender: answers.Sender) -> int:
    text = answers.answer(session, parsed, sender, today_in_india())
    data = {"in_reply_to": inbound.id, "command": parsed.command.value}
    if parsed.command == Command.STOP:
        data[sms_consent.CONSENT_NOTICE] = True  # the one SMS a STOP still gets: its confirmation
    row = NotificationHistory(
        idempotency_key=f"sms-reply:{inbound.provider_message_id}",
        user_id=inbound.user_id,
        organization_id=inbound.organization_id,
        channel="sms",
        category="system",
        recipient=inbound.recipient,
        language=sender.language,
        body=text,
        data=data,
        status=DeliveryStatus.PENDING,
    )
    session.add(row)
    session.flush()
    assert row.id is not None  # the flush gave it one
    enqueue_on_commit(session, [row.id])
    return row.id


def receive(session: Session, url: str, params: dict[str, str], signature: str | None) -> Received:
    """Handle one inbound-SMS webhook (the route adapts HTTP to this and answers Twilio with empty TwiML)."""
    check_signature(url, params, signature)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    phone, to = params.get("From", "").strip(), params.get("To", "").strip()[:20]
    if not MESSAGE_SID.match(sid):
        raise ValidationFailed("invalid", field="MessageSid")
    if not E164.match(phone):
        raise ValidationFailed("invalid_phone", field="From")
    text = (params.get("Body") or "")[:MAX_BODY]
    parsed = parse(text)
    sender = _sender(session, phone, parsed, text)
    inbound = _record_inbound(session, sid, phone, to, text, parsed, sender)
    if inbound is None:
        metrics.SMS_COMMANDS.labels(parsed.command.value, "duplicate").inc()
        return Received(parsed.command.value, duplicate=True)
    _consent(session, parsed, phone, sid, text, sender)
    if not ratelimit.acquire(get_settings().sms_command_rate_per_number, "sms-command", phone):
        inbound.data = {**inbound.data, "reply": "rate_limited"}
        session.add(inbound)
        on_commit(session, metrics.SMS_COMMANDS.labels(parsed.command.value, "rate_limited").inc)
        return Received(parsed.command.value, inbound_id=inbound.id)
    reply_id = _reply(session, inbound, parsed, sender)
    inbound.data = {**inbound.data, "reply": reply_id}
    session.add(inbound)
    on_commit(session, metrics.SMS_COMMANDS.labels(parsed.command.value, "replied").inc)
    return Received(parsed.command.value, inbound_id=inbound.id, reply_id=reply_id)
