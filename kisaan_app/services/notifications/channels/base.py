"""What a channel answers: a provider message id, or an error that says whether trying again can help."""

import base64
import hashlib
from dataclasses import dataclass

from kisaan_app.models.enums import DeliveryStatus


def provider_timeout() -> float:
    """Seconds one provider call may take (KISAAN_PROVIDER_TIMEOUT_SECONDS); a hung provider is transient."""
    from kisaan_app.settings import get_settings

    return get_settings().provider_timeout_seconds


def key_digest(idempotency_key: str, length: int = 32) -> str:
    """A delivery's idempotency key as `length` base64url characters: what fits a push Topic (32 at most)
    or a Message-ID, the same on every retry, revealing nothing of the key."""
    digest = hashlib.sha256(idempotency_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:length]


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None
    segments: int | None = None
    status: str = DeliveryStatus.SENT  # SMS: Twilio's first status ("queued"); callbacks move it on


class SendError(Exception):
    transient = False

    def __init__(self, code: str, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = str(code)[:40]
        self.message = message[:500]
        self.retry_after = retry_after


class TransientSendError(SendError):
    """The provider was unreachable, busy or throttling: the same send may succeed later."""

    transient = True


class PermanentSendError(SendError):
    """The provider refused this message for good (bad number, bounced address, expired subscription)."""


def refuse_sandbox_in_prod(channel: str) -> None:
    """Production never talks to a stand-in: an unconfigured channel fails its deliveries visibly instead."""
    from kisaan_app.settings import get_settings

    if get_settings().is_prod:
        raise PermanentSendError("provider_not_configured", f"{channel} has no credentials in production")
