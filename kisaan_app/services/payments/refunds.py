"""Refunds: full or partial, never more than was captured minus earlier refunds, idempotent on the caller's
X-Refund-Idempotency key (namespaced by caller).

Who may refund follows the sale, not the buyer: a platform admin, or the org admin of the SELLER's FPO (the
order's organisation) — never the buyer's FPO. Plan payments: platform admins only. Once the produce has left
the farm (dispatched, delivered) only a platform admin may refund, with a reason."""

import re

from sqlmodel import Session, select

from kisaan_app.models.enums import OrderStatus, PaymentStatus, RefundStatus, Role
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import locked, recount_refunds, refunded_total, settled_its_sale

REFUNDABLE_STATES = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")  # room for the caller prefix


def refundable_paise(session: Session, payment: Payment) -> int:
    if payment.status not in REFUNDABLE_STATES:
        return 0
    return payment.amount_paise - refunded_total(session, payment)


SHIPPED = (OrderStatus.DISPATCHED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def may_refund(session: Session, actor: Principal, payment: Payment) -> bool:
    """May `actor` refund this payment at all? (Pages hide the button when not.)"""
    if actor.role == Role.ADMIN:
        return True
    if actor.role != Role.ORG_ADMIN or actor.organization_id is None or not payment.market_order_id:
        return False
    order = session.get(MarketOrder, payment.market_order_id)
    return order is not None and order.organization_id == actor.organization_id


def refund_offered(session: Session, actor: Principal, payment: Payment) -> bool:
    """Should a page offer `actor` a Refund button for this payment now? The rules `refund` enforces, checked
    before anyone clicks: who may refund it (`may_refund`), money left to give back, and for an FPO admin
    an order not yet dispatched."""
    if payment.status not in REFUNDABLE_STATES or not payment.razorpay_payment_id:
        return False
    if not may_refund(session, actor, payment) or refundable_paise(session, payment) <= 0:
        return False
    if actor.role == Role.ADMIN or not payment.market_order_id:
        return True
    order = session.get(MarketOrder, payment.market_order_id)
    return order is not None and order.status not in SHIPPED


def payment_for_refund(session: Session, actor: Principal, receipt: str) -> Payment:
    """The payment an admin (or the seller's FPO admin) is about to refund; 404 for anyone else."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    payment = session.exec(select(Payment).where(Payment.receipt == receipt)).first()
    if payment is None or not may_refund(session, actor, payment):
        raise NotFound("payment_not_found")
    return payment


def _check_order_allows(session: Session, actor: Principal, payment: Payment) -> None:
    if not payment.market_order_id:
        return
    order = session.get(MarketOrder, payment.market_order_id)  # locked with the payment (see `locked`)
    if order is not None and order.status in SHIPPED and actor.role != Role.ADMIN:
        raise PermissionDenied("refund_after_dispatch_admin_only", status=order.status)


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
    if payment is None or not may_refund(session, actor, payment):
        raise NotFound("payment_not_found")
    _check_order_allows(session, actor, payment)
    # The caller's key is theirs alone: another admin using the same string gets a refund of their own.
    idempotency_key = f"u{actor.id}:{idempotency_key}"
    earlier = session.exec(select(Refund).where(Refund.idempotency_key == idempotency_key)).first()
    if earlier is not None:
        if earlier.payment_id != payment.id or earlier.amount_paise != amount_paise:
            raise Conflict("refund_key_reused")
        return earlier
    if payment.status not in REFUNDABLE_STATES or not payment.razorpay_payment_id:
        raise Conflict("payment_not_refundable", status=payment.status)
    if not settled_its_sale(session, payment):  # its money is already on its way back automatically
        raise Conflict("refund_already_automatic")
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
    if answer.get("status") == RefundStatus.PROCESSED:
        row.status = RefundStatus.PROCESSED
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
