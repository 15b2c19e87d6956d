"""Reconciliation: a lost webhook must not leave a paid order unpaid. A periodic job asks Razorpay about the
payments still pending after a few minutes and settles them; it also closes QR codes of payments that were
paid another way (a closed QR cannot take the same money twice), and settles refund reservations whose request
died before Razorpay's answer was recorded (stale_refunds)."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.market import QRSession
from kisaan_app.models.payments import Payment
from kisaan_app.services.payments import gateway, stale_refunds
from kisaan_app.services.payments.lifecycle import PAID_STATES, PENDING_STATES, apply_provider_payment, locked
from kisaan_app.services.payments.links import close_open_qrs

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=7)  # Razorpay orders older than this are not worth asking about
BEST_FIRST = ("captured", "authorized", "failed", "created")


@dataclass
class ReconcileReport:
    checked: int = 0
    settled: list[str] = field(default_factory=list)
    qr_closed: int = 0
    refunds_resolved: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _best(items: list[dict]) -> dict | None:
    """The attempt that matters: one success outranks any number of failures."""
    for status in BEST_FIRST:
        for item in items:
            if item.get("status") == status:
                return item
    return None


def reconcile(session_factory, older_than: timedelta, limit: int = 200) -> ReconcileReport:
    """Each payment in its own transaction, so one provider error does not undo the others."""
    report = ReconcileReport()
    now = utcnow()
    with session_factory() as session:
        pending = session.exec(
            select(Payment.id, Payment.razorpay_order_id)
            .where(
                col(Payment.status).in_(PENDING_STATES),
                col(Payment.razorpay_order_id).is_not(None),
                col(Payment.created_at) < now - older_than,
                col(Payment.created_at) > now - LOOKBACK,
            )
            .order_by(col(Payment.id))
            .limit(limit)
        ).all()
        paid_with_qr = session.exec(
            select(QRSession.payment_id)
            .join(Payment, col(Payment.id) == QRSession.payment_id)
            .where(QRSession.status == "active", col(Payment.status).in_(PAID_STATES))
        ).all()
    for payment_id, order_id in pending:
        report.checked += 1
        try:
            answer = gateway.call(gateway.client().order.payments, order_id)
            best = _best(answer.get("items", []))
            with session_factory() as session:
                payment = locked(session, id=payment_id)
                if best and payment and apply_provider_payment(session, payment, best, "reconciliation"):
                    report.settled.append(payment.receipt)
        except gateway.ProviderError as err:
            report.errors.append(f"{order_id}: {err.code}")
    for payment_id in set(paid_with_qr):
        try:
            report.qr_closed += close_open_qrs(session_factory, payment_id)
        except gateway.ProviderError as err:
            report.errors.append(f"qr for payment {payment_id}: {err.code}")
    try:
        report.refunds_resolved = stale_refunds.resolve(session_factory)
    except gateway.ProviderError as err:
        report.errors.append(f"stale refund reservations: {err.code}")
    if report.settled or report.errors or report.refunds_resolved:
        log.info(
            "reconciliation: %d checked, settled %s, refunds %s, errors %s",
            report.checked,
            report.settled,
            report.refunds_resolved,
            report.errors,
        )
    return report
