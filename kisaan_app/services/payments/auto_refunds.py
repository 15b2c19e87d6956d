"""Giving back money nobody asked us to keep.

A capture can still arrive after the sale stopped wanting it: a second attempt on an order already paid, a
payment for an order cancelled (or whose hold ran out and was resold), a plan payment superseded by another.
`give_back` runs inside the webhook's transaction: it writes an AutoRefund row (unique per captured attempt,
so a redelivered webhook writes nothing), tells the payer the truth and, after commit, a job asks Razorpay for
the refund. The provider call never happens inside a transaction; a lost job is picked up by the sweep.
"""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlmodel import Session, col, select

from kisaan_app import jobs
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.payments import AutoRefund, Payment, Refund
from kisaan_app.services import audit, inbox
from kisaan_app.services.payments import gateway

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
SOURCE = "auto-refund"


def _tell(session: Session, user_id: int, key: str, payment: Payment, amount: int, dedupe: str, **params) -> None:
    user = session.get(User, user_id)
    if user is None:
        return
    lang, money = user.preferred_language, rupees(amount)
    inbox.add(
        session,
        user_id,
        category="payments",
        title=t(lang, f"{key}.title", amount=money, **params),
        body=t(lang, f"{key}.body", amount=money, receipt=payment.receipt, **params),
        url=f"/payments/view?receipt={payment.receipt}",
        critical=key == "payments.mismatch",
        idempotency_key=f"{dedupe}:{key}:{user_id}",
    )


def alert_admins(session: Session, key: str, payment: Payment, dedupe: str, **params) -> None:
    """Put a money problem in front of every platform admin (inbox, live); once per `dedupe`."""
    admins = session.exec(select(User.id).where(User.role == Role.ADMIN, User.is_active == True)).all()  # noqa: E712
    for admin_id in admins:
        _tell(session, admin_id, key, payment, payment.amount_paise, dedupe, **params)


def give_back(session: Session, payment: Payment, attempt_id: str, amount: int, reason: str) -> AutoRefund | None:
    """Record that the captured `attempt_id` must be refunded in full; once per attempt."""
    if not attempt_id:
        audit.record(
            session,
            "payment.auto_refund",
            actor_label=SOURCE,
            outcome="failure",
            target_type="payment",
            target_id=payment.receipt,
            details={"reason": reason, "problem": "no attempt id"},
        )
        alert_admins(session, "payments.auto_refund_failed", payment, f"payment:{payment.id}:{reason}:no-attempt")
        return None
    existing = session.exec(select(AutoRefund).where(AutoRefund.razorpay_payment_id == attempt_id)).first()
    if existing is not None:
        return existing
    row = AutoRefund(payment_id=payment.id, razorpay_payment_id=attempt_id, amount_paise=amount, reason=reason)
    session.add(row)
    session.flush()
    audit.record(
        session,
        "payment.auto_refund",
        actor_label=SOURCE,
        target_type="payment",
        target_id=payment.receipt,
        organization_id=payment.organization_id,
        details={"reason": reason, "attempt": attempt_id, "amount_paise": amount},
    )
    _tell(session, payment.payer_id, f"payments.auto_refund.{reason}", payment, amount, f"auto_refund:{row.id}")
    if payment.market_order_id:
        from kisaan_app.models.market import MarketOrder

        order = session.get(MarketOrder, payment.market_order_id)
        if order is not None and order.farmer_id != payment.payer_id:
            key = "payments.auto_refund.seller"
            _tell(session, order.farmer_id, key, payment, amount, f"auto_refund:{row.id}", order=order.order_number)
    jobs.enqueue_on_commit(session, "payments.refund_automatically", row.id)
    return row


def process(session_scope: Callable[[], AbstractContextManager[Session]], auto_refund_id: int) -> str:
    """Ask Razorpay for one automatic refund, outside any transaction; record the answer in a new one."""
    with session_scope() as session:
        row = session.get(AutoRefund, auto_refund_id)
        if row is None or row.status != "pending":
            return row.status if row else "missing"
        attempt, amount, key = row.razorpay_payment_id, row.amount_paise, f"auto-refund-{row.id}"
        payment = session.get(Payment, row.payment_id)
        notes = {"receipt": payment.receipt, "reason": row.reason}
    try:
        answer = gateway.call(
            gateway.client().payment.refund,
            attempt,
            {"amount": amount, "speed": "normal", "notes": notes},
            headers={"X-Refund-Idempotency": key},
        )
        error = None
    except gateway.ProviderError as err:
        answer, error = None, str(err.params.get("reason") or err.code)[:300]
    with session_scope() as session:
        row = session.exec(select(AutoRefund).where(AutoRefund.id == auto_refund_id).with_for_update()).one()
        if row.status != "pending":
            return row.status
        row.attempts += 1
        row.updated_at = utcnow()
        if answer is None:
            row.last_error = error
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                payment = session.get(Payment, row.payment_id)
                alert_admins(session, "payments.auto_refund_failed", payment, f"auto_refund:{row.id}")
            session.add(row)
            return row.status
        row.status, row.razorpay_refund_id, row.last_error = "requested", answer.get("id"), None
        session.add(row)
        _record_own_refund(session, row, answer)
        return row.status


def _record_own_refund(session: Session, row: AutoRefund, answer: dict) -> None:
    """Giving back the payment's own capture is a refund of that payment: its row and order move with it.
    (A duplicate attempt's refund is not: that money never counted towards the payment.)"""
    from kisaan_app.services.payments.lifecycle import locked, recount_refunds

    payment = locked(session, id=row.payment_id)
    if payment is None or payment.razorpay_payment_id != row.razorpay_payment_id:
        return
    refund = session.exec(select(Refund).where(Refund.razorpay_refund_id == answer.get("id"))).first()
    if refund is None:  # the refund.created webhook may have recorded it already
        refund = Refund(
            payment_id=payment.id,
            amount_paise=row.amount_paise,
            reason=f"Automatic refund ({row.reason})",
            idempotency_key=f"auto-refund-{row.id}",
            razorpay_refund_id=answer.get("id"),
        )
    if answer.get("status") == "processed":
        refund.status = "processed"
    session.add(refund)
    session.flush()
    recount_refunds(session, payment, SOURCE)


def sweep(session_scope: Callable[[], AbstractContextManager[Session]]) -> int:
    """Retry automatic refunds still pending (a lost enqueue, a provider outage)."""
    with session_scope() as session:
        ids = session.exec(
            select(AutoRefund.id).where(AutoRefund.status == "pending").order_by(col(AutoRefund.id)).limit(200)
        ).all()
    for auto_refund_id in ids:
        try:
            process(session_scope, auto_refund_id)
        except Exception:  # one bad row must not stop the rest
            log.exception("automatic refund %s failed", auto_refund_id)
    return len(ids)
