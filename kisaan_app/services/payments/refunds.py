"""Refunds: full or partial, never more than was captured minus earlier refunds, idempotent on the caller's
X-Refund-Idempotency key (namespaced by caller).

Who may refund follows the sale, not the buyer: a platform admin, or the org admin of the SELLER's FPO (the
order's organisation) — never the buyer's FPO. Plan payments: platform admins only. Once the produce has left
the farm (dispatched, delivered) only a platform admin may refund, with a reason."""

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import OrderStatus, PaymentStatus, RefundStatus, Role
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import locked, promised_total, recount_refunds, settled_its_sale

REFUNDABLE_STATES = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")  # room for the caller prefix
RESERVATION_NOTE = "kisaan_refund"  # our Refund row's id, in the notes Razorpay echoes on the refund entity


def refundable_paise(session: Session, payment: Payment) -> int:
    if payment.status not in REFUNDABLE_STATES:
        return 0
    return payment.amount_paise - promised_total(session, payment)


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


@dataclass(frozen=True)
class Asked:
    """One refund request as Razorpay is asked for it, carried from the reservation past its commit."""

    refund_id: int
    payment_id: int
    razorpay_payment_id: str
    receipt: str
    amount_paise: int
    reason: str


def refund(
    session: Session,
    actor: Principal,
    meta: RequestMeta | None,
    receipt: str,
    amount_paise: int,
    reason: str,
    idempotency_key: str,
) -> Refund:
    """Reserve the refund, ask Razorpay for it (with our idempotency key) outside any transaction, then record
    the answer; the same key returns the same refund.

    Three short transactions, so a slow Razorpay holds no lock and no SQLite write lock: the reservation (payment
    and order locked, rules checked, a `pending` Refund row without a Razorpay id written and committed); the
    call; the outcome (the Razorpay id recorded, the payment and order recounted) — or, if Razorpay failed or
    refused, the reservation marked failed so the next try starts clean. The reservation counts against what
    is left to refund from the moment it commits, so two admins cannot both refund the last rupee.
    """
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    if not IDEMPOTENCY_KEY.match(idempotency_key or ""):
        raise ValidationFailed("refund_idempotency_key", field="X-Refund-Idempotency")
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 300:
        raise ValidationFailed("refund_reason", field="reason")
    if not isinstance(amount_paise, int) or amount_paise <= 0:
        raise ValidationFailed("refund_amount", field="amount_paise")
    # The caller's key is theirs alone: another admin using the same string gets a refund of their own.
    idempotency_key = f"u{actor.id}:{idempotency_key}"
    row, payment = _reserve(session, actor, receipt, amount_paise, reason, idempotency_key)
    if row.razorpay_refund_id:  # this key was answered before: the same refund
        return row
    asked = Asked(row.id, payment.id, payment.razorpay_payment_id or "", payment.receipt, amount_paise, reason)
    session.commit()  # the reservation is visible and every lock released before Razorpay is called
    try:
        answer = _ask_razorpay(asked, idempotency_key)
    except gateway.ProviderError as err:
        _release(session, actor, meta, asked, err)
        raise
    return _record(session, actor, meta, asked, answer)


def _reserve(
    session: Session, actor: Principal, receipt: str, amount_paise: int, reason: str, idempotency_key: str
) -> tuple[Refund, Payment]:
    """Check the rules with the payment (and its order) locked and write the `pending` reservation; or find the
    earlier request with this key (answered: returned as is; unanswered or failed before Razorpay took it: asked
    again, with the same key, so Razorpay gives the same refund if it did make one)."""
    payment = locked(session, receipt=receipt)
    if payment is None or not may_refund(session, actor, payment):
        raise NotFound("payment_not_found")
    _check_order_allows(session, actor, payment)
    earlier = session.exec(select(Refund).where(Refund.idempotency_key == idempotency_key)).first()
    if earlier is not None:
        if earlier.payment_id != payment.id or earlier.amount_paise != amount_paise:
            raise Conflict("refund_key_reused")
        if earlier.razorpay_refund_id or earlier.status == RefundStatus.PENDING:
            return earlier, payment
    if payment.status not in REFUNDABLE_STATES or not payment.razorpay_payment_id:
        raise Conflict("payment_not_refundable", status=payment.status)
    if not settled_its_sale(session, payment):  # its money is already on its way back automatically
        raise Conflict("refund_already_automatic")
    available = refundable_paise(session, payment)
    if amount_paise > available:
        # The message shows rupees ("at most ₹1,250.00"), never paise; the figure itself travels as available_paise.
        shown = rupees(available)
        raise ValidationFailed("refund_too_large", field="amount_paise", available=shown, available_paise=available)
    row = earlier or Refund(payment_id=payment.id, amount_paise=amount_paise, idempotency_key=idempotency_key)
    row.reason, row.status, row.failure_reason, row.requested_by_id = reason, RefundStatus.PENDING, None, actor.id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row, payment


def _ask_razorpay(asked: Asked, idempotency_key: str) -> dict:
    """The provider call (no transaction open). Our row's id in the notes lets the refund webhook, which may
    arrive before we record the answer, find the reservation it belongs to."""
    notes = {"receipt": asked.receipt, "reason": asked.reason[:200], RESERVATION_NOTE: str(asked.refund_id)}
    answer = gateway.call(
        gateway.client().payment.refund,
        asked.razorpay_payment_id,
        {"amount": asked.amount_paise, "speed": "normal", "notes": notes},
        headers={"X-Refund-Idempotency": idempotency_key},
    )
    if answer.get("payment_id") != asked.razorpay_payment_id or int(answer.get("amount", -1)) != asked.amount_paise:
        raise gateway.ProviderError(reason="refund answer does not match the request")
    if not answer.get("id"):
        raise gateway.ProviderError(reason="refund answer without an id")
    return answer


def _release(
    session: Session, actor: Principal, meta: RequestMeta | None, asked: Asked, err: gateway.ProviderError
) -> None:
    """Razorpay failed or refused: the reservation no longer counts (unless the webhook meanwhile proved the
    refund was made after all). Committed here: the caller re-raises, and a rollback must not undo it."""
    session.rollback()
    payment = locked(session, id=asked.payment_id)
    row = session.exec(
        select(Refund).where(Refund.id == asked.refund_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if row is not None and row.status == RefundStatus.PENDING and not row.razorpay_refund_id:
        row.status, row.updated_at = RefundStatus.FAILED, utcnow()
        row.failure_reason = str(err.params.get("reason") or err.code)[:300]
        session.add(row)
        audit.record(
            session,
            "payment.refund",
            actor=actor,
            meta=meta,
            target_type="payment",
            target_id=asked.receipt,
            organization_id=payment.organization_id if payment else None,
            outcome="failure",
            details={"amount_paise": row.amount_paise, "error": err.code},
        )
    session.commit()


def _record(session: Session, actor: Principal, meta: RequestMeta | None, asked: Asked, answer: dict) -> Refund:
    """Razorpay made the refund: put its id on the reservation and move the payment and order with it."""
    payment, row = locked_reservation(session, asked.payment_id, asked.refund_id)
    if row.razorpay_refund_id == answer["id"]:
        return row  # the refund webhook (or a retry with the same key) recorded it first
    attach_answer(session, payment, row, answer, actor.label)
    audit.record(
        session,
        "payment.refund",
        actor=actor,
        meta=meta,
        target_type="payment",
        target_id=payment.receipt,
        organization_id=payment.organization_id,
        details={"amount_paise": row.amount_paise, "reason": row.reason, "refund_id": answer["id"]},
    )
    return row


def locked_reservation(session: Session, payment_id: int, refund_id: int) -> tuple[Payment, Refund]:
    """The payment (and its order) locked, then the reserved Refund row: the order every refund path takes."""
    payment = locked(session, id=payment_id)
    row = session.exec(
        select(Refund).where(Refund.id == refund_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return payment, row


def attach_answer(session: Session, payment: Payment, row: Refund, answer: dict, source: str) -> None:
    """Give the reservation Razorpay's refund id and state, and recount the payment (and its order)."""
    other = session.exec(select(Refund).where(Refund.razorpay_refund_id == answer["id"])).first()
    if other is not None and other.id != row.id:  # recorded as a refund made elsewhere: it is this one
        row.status, row.processed_at = other.status, other.processed_at
        session.delete(other)
        session.flush()
    else:
        row.status = RefundStatus.PENDING
    row.razorpay_refund_id, row.failure_reason = answer["id"], None
    if answer.get("status") == RefundStatus.PROCESSED and row.status != RefundStatus.PROCESSED:
        row.status, row.processed_at = RefundStatus.PROCESSED, utcnow()
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    recount_refunds(session, payment, source)
