"""Twilio status callbacks: signature checked over the public URL Twilio called; status only ever moves forward."""

from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.errors import DomainError, ErrorCode, PermissionDenied
from kisaan_app.services.notifications.channels.sms import TWILIO_STATUS, auth_token

# Callbacks can arrive out of order: "sent" after "delivered" must not undo it.
RANK = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
    DeliveryStatus.UNDELIVERED: 3,
    DeliveryStatus.FAILED: 3,
}


class NotYetRecorded(DomainError):
    """The callback beat our own write of the message id; a 5xx makes Twilio send it again shortly."""

    status = 503
    code = ErrorCode.DELIVERY_NOT_RECORDED_YET


def twilio_status(session: Session, url: str, params: dict[str, str], signature: str | None) -> str:
    """Apply one status callback; returns the row's status afterwards."""
    if not signature or not RequestValidator(auth_token()).validate(url, params, signature):
        raise PermissionDenied("twilio_signature_invalid")
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    row = session.exec(select(NotificationHistory).where(NotificationHistory.provider_message_id == sid)).first()
    if row is None:
        raise NotYetRecorded()
    status = TWILIO_STATUS.get(params.get("MessageStatus", ""), "")
    if not status or RANK[status] <= RANK.get(row.status, 0):
        return row.status
    row.status = status
    row.updated_at = utcnow()
    if status == DeliveryStatus.DELIVERED:
        row.delivered_at = row.updated_at
    if params.get("ErrorCode"):
        row.error_code = params["ErrorCode"][:40]
    session.add(row)
    if row.batch_id:
        from kisaan_app.services.notifications.campaigns import announce

        announce(session, row.batch_id)
    return status
