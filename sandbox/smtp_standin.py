"""A local SMTP server standing in for the app's mail relay (aiosmtpd), recording every message in the outbox.

It speaks real ESMTP, so `aiosmtplib` (or any client) goes through HELO/EHLO, optional AUTH, MAIL, RCPT, DATA
as against a provider. Recipients whose local part contains "reject" get a permanent 550, "tempfail" a 451,
so the app's bounce and retry handling can be exercised. AUTH PLAIN/LOGIN is offered without TLS (local only)
and accepts sandbox/sandbox; unauthenticated sends are accepted too, as most dev relays do.
"""

from __future__ import annotations

import asyncio
import email
import logging
import threading
from email import policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from sandbox.outbox import Outbox

if TYPE_CHECKING:  # server.py imports the stand-ins; a runtime import back would be circular
    from sandbox.server import SandboxConfig

log = logging.getLogger(__name__)

PROVIDER = "smtp"
SANDBOX_SMTP_USERNAME = "sandbox"
SANDBOX_SMTP_PASSWORD = "sandbox"
SERVER_HOSTNAME = "smtp.sandbox.kisaansay.test"
REJECT_REPLY = "550 5.1.1 Mailbox unavailable"
TEMPFAIL_REPLY = "451 4.3.0 Try again later"
NULL_SENDER_REPLY = "550 5.1.7 Sender address required"
FAULT_REPLY = "451 4.3.0 Temporary local problem, try again later"  # a flaky relay's transient refusal


def sandbox_authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept only sandbox/sandbox; anything else gets aiosmtpd's default 535 5.7.8."""
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SANDBOX_SMTP_USERNAME.encode()
        and auth_data.password == SANDBOX_SMTP_PASSWORD.encode()
    )
    if not ok:
        log.info("SMTP AUTH %s refused for %r", mechanism, getattr(auth_data, "login", None))
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def parse_message(raw: bytes) -> dict:
    """Headers and decoded text/html bodies of an RFC 5322 message, as the outbox shows them."""
    # On the wire lines end in CRLF; the parser keeps them in bodies unless normalised to Python's "\n".
    # policy.default makes it build EmailMessage objects, which decode bodies via get_content().
    msg = cast(EmailMessage, email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default))
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    return {
        "from": str(msg.get("From", "")),
        "header_to": str(msg.get("To", "")),
        "cc": str(msg.get("Cc", "")),
        "subject": str(msg.get("Subject", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "text": text_part.get_content() if text_part is not None else None,
        "html": html_part.get_content() if html_part is not None else None,
        "attachments": [part.get_filename() for part in msg.iter_attachments()],
    }


class SandboxSMTPHandler:
    """aiosmtpd hooks: refuse the sandbox's magic recipients, record what is delivered, keep one copy per
    Message-ID (as mailbox stores do: a resend after a lost answer is not a second email), and play a flaky
    relay when the config asks for one (sandbox/faults.py)."""

    def __init__(self, outbox: Outbox, config: SandboxConfig | None = None) -> None:
        from sandbox.faults import FaultPlan

        self.outbox = outbox
        self.faults = config.fault_plan(PROVIDER) if config else FaultPlan()
        self.hang_seconds = config.fault_hang_seconds if config else 0.0
        self._delivered: set[str] = set()  # Message-IDs already delivered
        self._lock = threading.Lock()

    def _first_copy(self, message_id: str) -> bool:
        if not message_id:
            return True
        with self._lock:
            if message_id in self._delivered:
                return False
            self._delivered.add(message_id)
            return True

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        # The null reverse-path (aiosmtpd passes it as "<>") is for bounces; an app sending it is a bug.
        if address in ("", "<>"):
            self._record_rejection(address, [], NULL_SENDER_REPLY)
            return NULL_SENDER_REPLY
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        local_part = address.rpartition("@")[0].lower()
        reply = REJECT_REPLY if "reject" in local_part else TEMPFAIL_REPLY if "tempfail" in local_part else None
        if reply:
            self._record_rejection(envelope.mail_from or "", [address], reply)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        parsed = parse_message(raw)
        auth = session.auth_data
        login = auth.login.decode(errors="replace") if isinstance(auth, LoginPassword) else None
        detail = {
            **parsed,
            "from": parsed["from"] or envelope.mail_from,
            "envelope_from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "authenticated_as": login,
            "size": len(raw),
        }
        fault = self.faults.verdict(parsed["message_id"] or None)
        if fault == "error":
            self._record_rejection(envelope.mail_from or "", list(envelope.rcpt_tos), FAULT_REPLY)
            return FAULT_REPLY
        if not self._first_copy(parsed["message_id"]):
            self.outbox.record(PROVIDER, "email.duplicate", f"{parsed['message_id']} already delivered", detail)
            return "250 2.0.0 OK: already delivered"
        self.outbox.record(PROVIDER, "email", f"email to {', '.join(detail['to'])}: {parsed['subject']}", detail)
        if fault == "hang":  # delivered, but the client gives up waiting for this 250
            await asyncio.sleep(self.hang_seconds)
        return "250 2.0.0 OK: queued"

    def _record_rejection(self, sender: str, recipients: list[str], reply: str) -> None:
        self.outbox.record(
            PROVIDER,
            "email.rejected",
            f"{', '.join(recipients) or 'MAIL FROM:<>'} refused: {reply}",
            {"from": sender, "to": recipients, "reply": reply},
        )


def start_smtp(config: SandboxConfig, outbox: Outbox) -> Controller:
    """Start the SMTP stand-in on config.host:config.smtp_port in its own thread; the caller `.stop()`s it."""
    controller = Controller(
        SandboxSMTPHandler(outbox, config),
        hostname=config.host,
        port=config.smtp_port,  # must be a real port: Controller connects to it to confirm start-up
        server_hostname=SERVER_HOSTNAME,
        authenticator=sandbox_authenticator,
        auth_require_tls=False,  # plaintext AUTH is fine on loopback; providers require STARTTLS instead
        auth_required=False,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller
