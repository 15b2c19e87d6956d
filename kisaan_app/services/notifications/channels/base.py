"""What a channel answers: a provider message id, or an error that says whether trying again can help."""

from dataclasses import dataclass

from kisaan_app.models.enums import DeliveryStatus

PROVIDER_TIMEOUT_SECONDS = 10.0


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
