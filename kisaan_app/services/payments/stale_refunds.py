"""Refund reservations whose request died between the reservation and the answer (a crash, a redeploy): the
reconciliation job asks Razorpay what became of each and records it, so no reservation blocks money for ever
and no refund Razorpay made goes unrecorded.

A reservation older than a few minutes without a Razorpay id cannot still be waiting (calls time out in
seconds). Razorpay lists the payment's refunds with our notes; ours carries the reservation's id.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services import audit
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.refunds import RESERVATION_NOTE, attach_answer, locked_reservation

STALE_AFTER = timedelta(minutes=5)
SOURCE = "reconciliation"


def resolve(
    session_scope: Callable[[], AbstractContextManager[Session]], older_than: timedelta = STALE_AFTER
) -> list[str]:
    """Settle each stale reservation: recorded if Razorpay made it, failed if not. Returns what changed."""
    with session_scope() as session:
        stale = session.exec(
            select(Refund.id, Refund.payment_id, Payment.razorpay_payment_id)
            .join(Payment, col(Payment.id) == Refund.payment_id)
            .where(
                Refund.status == "pending",
                col(Refund.razorpay_refund_id).is_(None),
                col(Refund.updated_at) < utcnow() - older_than,
            )
            .order_by(col(Refund.id))
            .limit(100)
        ).all()
    changed = []
    for refund_id, payment_id, razorpay_payment_id in stale:
        listed = gateway.call(gateway.client().payment.fetch_multiple_refund, razorpay_payment_id, {"count": 100})
        made = next(
            (r for r in listed.get("items", []) if str((r.get("notes") or {}).get(RESERVATION_NOTE)) == str(refund_id)),
            None,
        )
        with session_scope() as session:
            payment, row = locked_reservation(session, payment_id, refund_id)
            if row.status != "pending" or row.razorpay_refund_id:
                continue  # answered meanwhile (a retry with the same key, or the webhook)
            if made is not None and int(made.get("amount") or 0) == row.amount_paise:
                attach_answer(session, payment, row, made, SOURCE)
                changed.append(f"refund {refund_id}: made ({made['id']})")
            else:
                row.status, row.failure_reason, row.updated_at = "failed", "never reached Razorpay", utcnow()
                session.add(row)
                changed.append(f"refund {refund_id}: failed")
            audit.record(
                session,
                "payment.refund",
                actor_label=SOURCE,
                target_type="payment",
                target_id=payment.receipt,
                organization_id=payment.organization_id,
                outcome="success" if made is not None else "failure",
                details={"amount_paise": row.amount_paise, "stale_reservation": refund_id},
            )
    return changed
