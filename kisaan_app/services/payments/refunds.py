"""Refunds: admins for anyone, an org admin for their organisation's payments; full or partial, never more
than was captured minus earlier refunds, and idempotent on the caller's X-Refund-Idempotency key."""

import re

from sqlmodel import Session, select

from kisaan_app.models.enums import Role
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, ValidationFailed
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import locked, recount_refunds, refunded_total

REFUNDABLE_STATES = ("captured", "partially_refunded")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")


def refundable_paise(session: Session, payment: Payment) -> int:
    if payment.status not in REFUNDABLE_STATES:
        return 0
    return payment.amount_paise - refunded_total(session, payment)


def _visible(actor: Principal, payment: Payment) -> bool:
    return actor.role == Role.ADMIN or (
        actor.organization_id is not None and payment.organization_id == actor.organization_id
    )


def payment_for_refund(session: Session, actor: Principal, receipt: str) -> Payment:
    """The payment an admin (or the buyer's FPO admin) is about to refund; 404 for anyone else."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    payment = session.exec(select(Payment).where(Payment.receipt == receipt)).first()
    if payment is None or not _visible(actor, payment):
        raise NotFound("payment_not_found")
    return payment


def refund(
    session: Session,
    actor: Principal,
    meta: RequestMeta | None,
    receipt: str,
    amount_paise: int,
    reason: str,
    idempotency_key: str,
) -> Refund:
    """Ask Razorpay for the refund (with our idempotency key), then record it; the same key returns the same refund.

    The payment row stays locked from the check to the write, so two admins cannot both refund the last rupee.
    """
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    if not IDEMPOTENCY_KEY.match(idempotency_key or ""):
        raise ValidationFailed("refund_idempotency_key", field="X-Refund-Idempotency")
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 300:
        raise ValidationFailed("refund_reason", field="reason")
    if not isinstance(amount_paise, int) or amount_paise <= 0:
        raise ValidationFailed("refund_amount", field="amount_paise")
    payment = locked(session, receipt=receipt)
    if payment is None or not _visible(actor, payment):
        raise NotFound("payment_not_found")
    earlier = session.exec(select(Refund).where(Refund.idempotency_key == idempotency_key)).first()
    if earlier is not None:
        if earlier.payment_id != payment.id or earlier.amount_paise != amount_paise:
            raise Conflict("refund_key_reused")
        return earlier
    if payment.status not in REFUNDABLE_STATES or not payment.razorpay_payment_id:
        raise Conflict("payment_not_refundable", status=payment.status)
    available = refundable_paise(session, payment)
    if amount_paise > available:
        raise ValidationFailed("refund_too_large", field="amount_paise", available=available)
    answer = gateway.call(
        gateway.client().payment.refund,
        payment.razorpay_payment_id,
        {"amount": amount_paise, "speed": "normal", "notes": {"receipt": payment.receipt, "reason": reason[:200]}},
        headers={"X-Refund-Idempotency": idempotency_key},
    )
    if answer.get("payment_id") != payment.razorpay_payment_id or int(answer.get("amount", -1)) != amount_paise:
        raise gateway.ProviderError(reason="refund answer does not match the request")
    row = session.exec(select(Refund).where(Refund.razorpay_refund_id == answer["id"])).first()
    if row is None:  # the refund.created webhook may have recorded it already
        row = Refund(
            payment_id=payment.id,
            amount_paise=amount_paise,
            reason=reason,
            idempotency_key=idempotency_key,
            razorpay_refund_id=answer["id"],
        )
    row.requested_by_id = actor.id
    if answer.get("status") == "processed":
        row.status = "processed"
    session.add(row)
    session.flush()
    recount_refunds(session, payment, actor.label)
    audit.record(
        session,
        "payment.refund",
        actor=actor,
        meta=meta,
        target_type="payment",
        target_id=payment.receipt,
        organization_id=payment.organization_id,
        details={"amount_paise": amount_paise, "reason": reason, "refund_id": answer["id"]},
    )
    return row
