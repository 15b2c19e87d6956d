"""Email through aiosmtplib: a plain-text body with an HTML alternative; STARTTLS and login when configured."""

import asyncio
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.notifications.channels.base import (
    PermanentSendError,
    SendError,
    Sent,
    TransientSendError,
    key_digest,
    provider_timeout,
    refuse_sandbox_in_prod,
)
from kisaan_app.settings import get_settings


@dataclass(frozen=True)
class Relay:
    hostname: str
    port: int
    start_tls: bool
    username: str | None
    password: str | None


def relay() -> Relay:
    settings = get_settings()
    if settings.email_sandbox:
        refuse_sandbox_in_prod("email")
        return Relay("127.0.0.1", settings.sandbox_smtp_port, False, None, None)
    return Relay(
        settings.smtp_host or "",
        settings.smtp_port,
        settings.smtp_starttls,
        settings.smtp_username,
        settings.smtp_password,
    )


def _header(value: str, name: str) -> str:
    """CR or LF in a header would start a new header (Bcc: ...): this message fails, on its own."""
    if "\r" in value or "\n" in value:
        raise PermanentSendError("email_header_invalid", f"{name} contains a line break")
    return value


def message_id(delivery: NotificationHistory) -> str:
    """The same Message-ID on every retry of this delivery: receiving mail stores (and our stand-in) keep one
    copy of a message whose Message-ID they already hold, so a resend after a lost answer is not a duplicate."""
    return f"<n{delivery.id}.{key_digest(delivery.idempotency_key, 22)}@kisaansay.in>"


def build_message(delivery: NotificationHistory) -> EmailMessage:
    _header(delivery.recipient, "To")
    _header(delivery.subject or "", "Subject")
    msg = EmailMessage()
    msg["From"] = get_settings().email_from
    msg["To"] = delivery.recipient
    msg["Subject"] = delivery.subject or ""
    msg["Message-ID"] = message_id(delivery)
    msg.set_content(delivery.body)
    html = (delivery.data or {}).get("html")
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def _error_for(code: int, message: str) -> SendError:
    # SMTP: 5xx is a permanent refusal (bounce), 4xx asks to try again later.
    error = PermanentSendError if code >= 500 else TransientSendError
    return error(f"smtp_{code}", message)


class _ThreadConnection(threading.local):
    """Each worker thread keeps its own event loop and SMTP session: a bulk send pays the TCP, STARTTLS and
    login round trips once per thread, not once per message."""

    loop: asyncio.AbstractEventLoop | None = None
    smtp: aiosmtplib.SMTP | None = None
    relay: Relay | None = None


_local = _ThreadConnection()


async def _connection(via: Relay) -> aiosmtplib.SMTP:
    if _local.smtp is not None and (_local.relay != via or not _local.smtp.is_connected):
        _local.smtp.close()
        _local.smtp = None
    if _local.smtp is None:
        smtp = aiosmtplib.SMTP(
            hostname=via.hostname,
            port=via.port,
            start_tls=via.start_tls,
            username=via.username,
            password=via.password,
            timeout=provider_timeout(),
        )
        await smtp.connect()
        _local.smtp, _local.relay = smtp, via
    return _local.smtp


async def _send_once(msg: EmailMessage, via: Relay) -> dict:
    smtp = await _connection(via)
    try:
        errors, _reply = await smtp.send_message(msg)
    except aiosmtplib.SMTPRecipientsRefused:
        await smtp.rset()  # the session stays usable for the next message
        raise
    return errors


async def _send(msg: EmailMessage, via: Relay) -> None:
    try:
        try:
            errors = await _send_once(msg, via)
        except aiosmtplib.SMTPServerDisconnected:  # the relay closed an idle session: one fresh try
            _local.smtp = None
            errors = await _send_once(msg, via)
    except aiosmtplib.SMTPRecipientsRefused as err:
        first = err.recipients[0]
        raise _error_for(first.code, first.message) from None
    except aiosmtplib.SMTPResponseException as err:
        _local.smtp = None
        raise _error_for(err.code, err.message) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as err:
        _local.smtp = None
        raise TransientSendError("smtp_unreachable", f"{type(err).__name__}: {err}") from None
    # One recipient per message, so a partial refusal is the whole refusal (aiosmtplib does not raise for it).
    for code, message in errors.values():
        raise _error_for(code, message)


def send(delivery: NotificationHistory) -> Sent:
    msg = build_message(delivery)
    if _local.loop is None:
        _local.loop = asyncio.new_event_loop()
    _local.loop.run_until_complete(_send(msg, relay()))
    return Sent(msg["Message-ID"])
