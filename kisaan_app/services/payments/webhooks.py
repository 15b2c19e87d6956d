"""Razorpay webhooks, the authority on what happened to money.

The signature is checked over the raw body; the event id is stored under a unique constraint in the same
transaction as the state change, so a redelivery (or two deliveries racing) changes things once. Unknown
payments and event types are stored and acknowledged — an error answer would only make Razorpay retry for a
day and then switch the webhook off.
"""

import json
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import PaymentStatus, QRStatus, RefundStatus
from kisaan_app.models.market import QRSession
from kisaan_app.models.payments import Refund, WebhookEvent
from kisaan_app.services.errors import DomainError, ErrorCode
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import (
    amount_mismatch,
    apply_provider_payment,
    locked,
    move,
    recount_refunds,
)
from kisaan_app.services.payments.refunds import RESERVATION_NOTE
from kisaan_app.settings import get_settings

SOURCE = "razorpay-webhook"


class WebhookRejected(DomainError):
    status = 400
    code = ErrorCode.WEBHOOK_REJECTED


class WebhookTooLarge(DomainError):
    status = 413
    code = ErrorCode.WEBHOOK_TOO_LARGE


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    event: str
    duplicate: bool = False
    note: str | None = None


def parse(raw_body: bytes, signature: str | None, event_id: str | None) -> tuple[str, dict]:
    """Reject (400) anything not signed with our webhook secret or not a Razorpay event; 413 before any
    HMAC work for a body larger than any real event (a cheap way to burn our CPU otherwise)."""
    if len(raw_body) > get_settings().webhook_max_bytes:
        raise WebhookTooLarge(limit=get_settings().webhook_max_bytes)
    if not gateway.webhook_signature_valid(raw_body, signature):
        raise WebhookRejected("webhook_signature_invalid", field="X-Razorpay-Signature")
    try:
        body = json.loads(raw_body)
    except ValueError:
        raise WebhookRejected("webhook_body_invalid") from None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("event"), str)
        or not isinstance(body.get("payload"), dict)
    ):
        raise WebhookRejected("webhook_body_invalid")
    if not event_id or len(event_id) > 120:
        raise WebhookRejected("webhook_event_id_missing", field="x-razorpay-event-id")
    return event_id, body


def _entity(body: dict, name: str) -> dict:
    found = body["payload"].get(name, {})
    return found.get("entity", {}) if isinstance(found, dict) else {}


def handle(session: Session, raw_body: bytes, signature: str | None, event_id: str | None) -> WebhookOutcome:
    """Record and apply one delivery. A duplicate event id returns duplicate=True and changes nothing."""
    event_id, body = parse(raw_body, signature, event_id)
    name = body["event"]
    record = WebhookEvent(provider="razorpay", event_id=event_id, event_type=name[:60], payload=body)
    # The INSERT is the transaction's first statement, so a duplicate id rolls back nothing else. (No
    # SAVEPOINT: with SQLite's driver, releasing the outermost savepoint would commit the row on its own,
    # and a state change failing after it would then leave the event marked as seen.)
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return WebhookOutcome(event_id, name, duplicate=True)
    note = apply(session, name, body)
    record.processed_at = utcnow()
    record.error = note
    session.add(record)
    return WebhookOutcome(event_id, name, note=note)


def apply(session: Session, name: str, body: dict) -> str | None:
    """Move our records forward; returns a note when the event concerned nothing of ours."""
    group = name.split(".")[0]
    if group in ("payment", "order"):
        return _payment_event(session, name, _entity(body, "payment"), _entity(body, "order"))
    if group == "refund":
        return _refund_event(session, name, _entity(body, "refund"))
    if group == "payment_link":
        return _link_event(session, name, _entity(body, "payment_link"), _entity(body, "payment"))
    if group == "qr_code":
        return _qr_event(session, name, _entity(body, "qr_code"), _entity(body, "payment"))
    if group == "transfer":
        from kisaan_app.services.payouts.events import transfer_event

        return transfer_event(session, name, _entity(body, "transfer"))
    if group == "settlement":
        from kisaan_app.services.payouts.events import settlement_event

        return settlement_event(session, name, _entity(body, "settlement"))
    return f"ignored event {name}"


def _payment_event(session: Session, name: str, entity: dict, order: dict) -> str | None:
    order_id = entity.get("order_id") or order.get("id")
    payment = locked(session, razorpay_order_id=order_id) if order_id else None
    if payment is None:
        return f"no payment for order {order_id}"
    if name == "order.paid" and entity.get("status") != PaymentStatus.CAPTURED:
        entity = {**entity, "status": PaymentStatus.CAPTURED}
    apply_provider_payment(session, payment, entity, SOURCE)
    return _mismatch_note(payment, entity)


def _mismatch_note(payment, entity: dict) -> str | None:
    problem = (
        amount_mismatch(payment, entity)
        if entity.get("status") in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED)
        else None
    )
    return f"not settled: {problem}" if problem else None


def _refund_event(session: Session, name: str, entity: dict) -> str | None:
    refund_id = entity.get("id")
    # Lock the payment first: a refund being recorded by our own API call holds that lock, and only after it
    # commits does the lookup below see its Refund row (instead of recording the same refund twice).
    payment = locked(session, razorpay_payment_id=entity.get("payment_id")) if entity.get("payment_id") else None
    if payment is None:
        return f"no payment for refund {refund_id}"
    refund = session.exec(select(Refund).where(Refund.razorpay_refund_id == refund_id)).first()
    if refund is None:  # our own request, its answer not recorded yet (the call was slow, or timed out)
        refund = _reservation(session, payment.id, entity)
    if refund is None:  # made on Razorpay's dashboard, or our write after the API call was lost
        amount = int(entity.get("amount") or 0)
        if amount <= 0:
            return f"refund {refund_id} without an amount"
        refund = Refund(
            payment_id=payment.id,
            amount_paise=amount,
            reason="Refund made outside Kisaansay",
            idempotency_key=f"razorpay:{refund_id}",
            razorpay_refund_id=refund_id,
        )
    if name == "refund.processed" and refund.status != RefundStatus.PROCESSED:
        refund.status, refund.processed_at = RefundStatus.PROCESSED, utcnow()
    elif name == "refund.failed" and refund.status == RefundStatus.PENDING:
        refund.status, refund.failure_reason = RefundStatus.FAILED, "Razorpay reported the refund failed"
    refund.updated_at = utcnow()
    session.add(refund)
    session.flush()
    recount_refunds(session, payment, SOURCE)
    return None


def _reservation(session: Session, payment_id: int, entity: dict) -> Refund | None:
    """The Refund row we reserved for this refund (its id is in the notes we sent), still without a Razorpay
    id. Razorpay made it, so it counts from now on, even if our call gave up waiting and marked it failed."""
    notes = entity.get("notes") if isinstance(entity.get("notes"), dict) else {}
    ref = str(notes.get(RESERVATION_NOTE) or "")
    if not ref.isdigit():
        return None
    row = session.exec(select(Refund).where(Refund.id == int(ref)).with_for_update()).first()
    if row is None or row.payment_id != payment_id or row.razorpay_refund_id is not None:
        return None
    if row.amount_paise != int(entity.get("amount") or 0):
        return None
    row.razorpay_refund_id = entity.get("id")
    if row.status == "failed":
        row.status, row.failure_reason = "pending", None
    return row


def _link_event(session: Session, name: str, link: dict, entity: dict) -> str | None:
    payment = locked(session, payment_link_id=link.get("id")) if link.get("id") else None
    if payment is None:
        return f"no payment for link {link.get('id')}"
    if name == "payment_link.paid":
        entity = {**entity, "status": PaymentStatus.CAPTURED}
        apply_provider_payment(session, payment, entity, SOURCE)
        return _mismatch_note(payment, entity)
    elif name == "payment_link.partially_paid":
        payment.notes = {**payment.notes, "link_amount_paid": int(link.get("amount_paid") or 0)}
        move(session, payment, PaymentStatus.ATTEMPTED, SOURCE)
    elif name in ("payment_link.expired", "payment_link.cancelled"):
        payment.failure_code = name.split(".")[1]
        move(session, payment, PaymentStatus.FAILED, SOURCE)
    return None


def _qr_event(session: Session, name: str, qr: dict, entity: dict) -> str | None:
    qr_session = session.exec(select(QRSession).where(QRSession.razorpay_qr_id == qr.get("id"))).first()
    if qr_session is None:
        return f"no QR session for {qr.get('id')}"
    payment = locked(session, id=qr_session.payment_id)
    now = utcnow()
    if name == "qr_code.credited" and payment is not None:
        qr_session.status, qr_session.closed_at = QRStatus.PAID, now
        entity = {**entity, "status": PaymentStatus.CAPTURED}
        apply_provider_payment(session, payment, entity, SOURCE)
        qr_session.updated_at = now
        session.add(qr_session)
        return _mismatch_note(payment, entity)
    elif name == "qr_code.closed" and qr_session.status == QRStatus.ACTIVE:
        qr_session.status, qr_session.closed_at = QRStatus.CLOSED, now
    qr_session.updated_at = now
    session.add(qr_session)
    return None
