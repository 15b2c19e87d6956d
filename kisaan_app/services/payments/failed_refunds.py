"""A refund Razorpay reports failed never moved money: the buyer still has not got it back, so the sale that
refund ended must not stay "cancelled with the money kept".

- cancelled (refunded before dispatch): the sale stands again — paid, its quantity taken off the listing once
  more. If that quantity was sold to someone else meanwhile (or the listing closed), it cannot stand again
  without selling the produce twice: the order stays cancelled and the money still held goes back
  automatically (auto_refunds), which counts as the payment's refund once Razorpay takes it.
- refunded (after dispatch): the order returns to the step it had reached (the produce already left the farm).

Either way the platform's admins are told, so they can refund again (or see that it is being given back).
"""

from sqlmodel import Session, col, func, select

from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import OrderStatus, RefundStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services import audit

# Statuses a sale can end in through a full refund (lifecycle._sync_order), and the steps a refunded one may
# return to.
ENDED_BY_REFUND = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
AFTER_DISPATCH = (OrderStatus.DISPATCHED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def ended_by_refund(order: MarketOrder, payment: Payment) -> bool:
    """The order ended because of a refund (it was paid: paid_at is set only when money settles it) and that
    refund no longer covers the payment."""
    return (
        order.status in ENDED_BY_REFUND
        and order.paid_at is not None
        and payment.amount_refunded_paise < payment.amount_paise
    )


def restore_sale(session: Session, payment: Payment, order: MarketOrder, source: str) -> None:
    """Bring the order (locked by the caller, with its payment) back in line with the money still held."""
    from kisaan_app.services.market.orders import announce, take_back_quantity
    from kisaan_app.services.payments.auto_refunds import alert_admins, give_back

    was = order.status
    dedupe = f"payment:{payment.id}:refund_failed:{_failed_count(session, payment)}"
    if was == OrderStatus.CANCELLED and not take_back_quantity(session, order):
        owed = payment.amount_paise - _promised(session, payment)
        if owed > 0:
            # The AutoRefund reasons are fixed by a CHECK constraint; "order_cancelled" is what this is.
            give_back(session, payment, payment.razorpay_payment_id or "", owed, "order_cancelled")
        alert_admins(session, "payments.refund_failed_resold", payment, dedupe, order=order.order_number)
        return
    back = OrderStatus.PAID if was == OrderStatus.CANCELLED else _step_before_refund(session, order)
    order.status, order.refunded_paise, order.updated_at = back, payment.amount_refunded_paise, utcnow()
    session.add(order)
    audit.record(
        session,
        f"order.{back}",
        actor_label=source,
        target_type="market_order",
        target_id=order.order_number,
        organization_id=order.organization_id,
        details={"from": was, "reason": "refund_failed"},
    )
    announce(session, order, "order_refund")
    alert_admins(session, "payments.refund_failed", payment, dedupe, order=order.order_number)


def _step_before_refund(session: Session, order: MarketOrder) -> str:
    """Where the order was when the refund ended it (the audit trail records the step it came from)."""
    came_from = session.exec(
        select(AuditLog.details)
        .where(
            AuditLog.action == f"order.{OrderStatus.REFUNDED}",
            AuditLog.target_type == "market_order",
            AuditLog.target_id == order.order_number,
        )
        .order_by(col(AuditLog.id).desc())
    ).first()
    step = (came_from or {}).get("from")
    return step if step in AFTER_DISPATCH else OrderStatus.DISPATCHED


def _failed_count(session: Session, payment: Payment) -> int:
    query = select(func.count()).where(Refund.payment_id == payment.id, Refund.status == RefundStatus.FAILED)
    return session.exec(query).one()


def _promised(session: Session, payment: Payment) -> int:
    from kisaan_app.services.payments.lifecycle import promised_total

    return promised_total(session, payment)
