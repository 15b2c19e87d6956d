"""Nothing outlives its order: when an order is cancelled (by a person or by its hold running out), its
unpaid payments are cancelled here, in the order's transaction, and a job closes their payment link and UPI
QR codes at Razorpay after commit, so no buyer can pay into a sale that no longer exists.

Money that still arrives (a QR scanned a second before it closed) is recorded and given back by
`auto_refunds`; the payer is told it is coming back, never "payment received".
"""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlmodel import Session, col, select

from kisaan_app import jobs
from kisaan_app.models.base import utcnow
from kisaan_app.models.market import MarketOrder, QRSession
from kisaan_app.models.payments import Payment
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import PENDING_STATES, move

log = logging.getLogger(__name__)


def cancel_open_payments(session: Session, order: MarketOrder, source: str) -> list[int]:
    """Cancel the order's unpaid payments (the caller holds the order's lock); returns their ids."""
    rows = session.exec(
        select(Payment)
        .where(Payment.market_order_id == order.id, col(Payment.status).in_(PENDING_STATES))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for payment in rows:
        payment.failure_code = "order_cancelled"
        move(session, payment, "cancelled", source)
        jobs.enqueue_on_commit(session, "payments.close_instruments", payment.id)
    return [p.id for p in rows]


def close_instruments(session_scope: Callable[[], AbstractContextManager[Session]], payment_id: int) -> int:
    """Cancel the payment's link and close its active QR codes at Razorpay; returns how many were closed.

    Provider calls happen between two short transactions; one that Razorpay refuses because it is already
    closed (or paid) counts as done: the webhook that follows records whatever happened."""
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.status != "cancelled":
            return 0
        link_id = payment.payment_link_id
        qr_ids = session.exec(
            select(QRSession.razorpay_qr_id).where(QRSession.payment_id == payment_id, QRSession.status == "active")
        ).all()
    closed: list[str] = []
    if link_id:
        if _close(gateway.client().payment_link.cancel, link_id):
            closed.append(link_id)
    for qr_id in qr_ids:
        if _close(gateway.client().qrcode.close, qr_id):
            closed.append(qr_id)
    with session_scope() as session:
        for qr in session.exec(select(QRSession).where(col(QRSession.razorpay_qr_id).in_(qr_ids))).all():
            if qr.status == "active":
                qr.status, qr.closed_at, qr.updated_at = "closed", utcnow(), utcnow()
                session.add(qr)
    return len(closed)


def _close(method, provider_id: str) -> bool:
    try:
        gateway.call(method, provider_id)
        return True
    except gateway.ProviderRejected:  # already closed, cancelled or paid at Razorpay
        return True
    except gateway.ProviderError:
        log.warning("could not close %s at Razorpay; the job retries", provider_id)
        raise
