"""The database side of payouts: a payout row opens when a sale is paid, and every later fact (delivery, a
refund settled, a transfer webhook) only asks for a sync. The sync (transfers.py) compares the row with its
target — computed from the order's money, never accumulated from events — so events may arrive in any order,
twice, or after a crash, and the figures still end where they should.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from kisaan_app.jobs import enqueue_on_commit
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import PayoutStatus, RefundStatus, Role
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.models.payouts import Payout
from kisaan_app.services.context import Principal
from kisaan_app.services.payouts import fees
from kisaan_app.settings import get_settings

CLAIM_SECONDS = 60  # a sync cut off mid-way frees its payout after this
FINAL = (PayoutStatus.REVERSED, PayoutStatus.CANCELLED)  # nothing left to move (a settled one may still be reversed)


def request_sync(session: Session, payout: Payout) -> None:
    enqueue_on_commit(session, "payouts.sync", payout.id)


def open_for(session: Session, payment: Payment, order: MarketOrder) -> Payout:
    """The sale was paid: the seller's share is owed, on hold until delivery or the dispute window. Runs in the
    capture's transaction; the unique order id makes a second capture path find the same row."""
    existing = session.exec(select(Payout).where(Payout.market_order_id == order.id)).first()
    if existing is not None:
        return existing
    settings = get_settings()
    share = fees.split(payment.amount_paise, 0, settings.platform_fee_bps)
    payout = Payout(
        market_order_id=order.id,
        payment_id=payment.id,
        seller_id=order.farmer_id,
        organization_id=order.organization_id,
        gross_paise=payment.amount_paise,
        fee_bps=share.fee_bps,
        fee_paise=share.fee_paise,
        release_due_at=utcnow() + timedelta(hours=settings.payout_dispute_window_hours),
    )
    session.add(payout)
    session.flush()
    request_sync(session, payout)
    return payout


def for_order(session: Session, order_id: int) -> Payout | None:
    return session.exec(select(Payout).where(Payout.market_order_id == order_id)).first()


def on_delivered(session: Session, order: MarketOrder) -> None:
    """The buyer confirmed delivery: the hold may be lifted now."""
    payout = for_order(session, order.id)
    if payout is None or payout.status in FINAL:
        return
    payout.release_due_at, payout.updated_at = min(payout.release_due_at, utcnow()), utcnow()
    session.add(payout)
    request_sync(session, payout)


def on_refund_changed(session: Session, payment: Payment) -> None:
    """A refund was made, settled or failed: the seller's share follows once it is final (processed)."""
    if payment.market_order_id:
        payout = for_order(session, payment.market_order_id)
        if payout is not None:
            request_sync(session, payout)


def processed_refunds(session: Session, payment_id: int) -> int:
    """Refunds that really left: a pending one may still fail, and a reversal cannot be undone."""
    rows = session.exec(
        select(Refund.amount_paise).where(Refund.payment_id == payment_id, Refund.status == RefundStatus.PROCESSED)
    ).all()
    return sum(rows)


def claim(session: Session, payout_id: int) -> bool:
    """Take the payout for one sync (a guarded UPDATE: two workers cannot both make its transfer)."""
    now = utcnow()
    result = session.execute(
        update(Payout)
        .where(
            col(Payout.id) == payout_id,
            or_(col(Payout.sync_claimed_until).is_(None), col(Payout.sync_claimed_until) < now),
        )
        .values(sync_claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    return result.rowcount == 1


def needing_sync(session: Session, limit: int = 100) -> list[int]:
    """The sweep's work list: anything not final whose row may be behind its target (a lost job, a restart)."""
    now = utcnow()
    query = (
        select(Payout.id)
        .where(
            col(Payout.status).not_in(FINAL),
            or_(col(Payout.sync_claimed_until).is_(None), col(Payout.sync_claimed_until) < now),
            or_(
                col(Payout.status).in_((PayoutStatus.PENDING, PayoutStatus.AWAITING_ACCOUNT)),
                (col(Payout.status) == PayoutStatus.ON_HOLD) & (col(Payout.release_due_at) <= now),
                col(Payout.refunded_paise) < _refunded_subquery().scalar_subquery(),
            ),
        )
        .order_by(col(Payout.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def _refunded_subquery():
    from sqlalchemy import func

    return (
        select(func.coalesce(func.sum(Refund.amount_paise), 0))
        .where(Refund.payment_id == Payout.payment_id, Refund.status == RefundStatus.PROCESSED)
        .correlate(Payout)
    )


@dataclass(frozen=True)
class PayoutView:
    """One row of the payouts page: what the seller (or their FPO admin, or an admin) may see."""

    order_number: str
    status: str
    gross_paise: int
    fee_paise: int
    fee_bps: int
    seller_paise: int
    refunded_paise: int
    release_due_at: datetime
    released_at: datetime | None
    settled_at: datetime | None
    mismatch: str | None


def _view(payout: Payout, order_number: str) -> PayoutView:
    seller = payout.transfer_paise - payout.reversed_paise if payout.razorpay_transfer_id else 0
    if not payout.razorpay_transfer_id and payout.status not in FINAL:
        seller = fees.split(payout.gross_paise, payout.refunded_paise, payout.fee_bps).seller_paise
    return PayoutView(
        order_number=order_number,
        status=payout.status,
        gross_paise=payout.gross_paise,
        fee_paise=payout.fee_paise,
        fee_bps=payout.fee_bps,
        seller_paise=seller,
        refunded_paise=payout.refunded_paise,
        release_due_at=payout.release_due_at,
        released_at=payout.released_at,
        settled_at=payout.settled_at,
        mismatch=payout.mismatch,
    )


def payouts_for(session: Session, actor: Principal, limit: int = 50) -> list[PayoutView]:
    """A farmer's own payouts, an FPO admin's FPO's, an admin's all; a buyer has none."""
    query = select(Payout, MarketOrder.order_number).join(MarketOrder, col(MarketOrder.id) == Payout.market_order_id)
    if actor.role == Role.FARMER:
        query = query.where(Payout.seller_id == actor.id)
    elif actor.role == Role.ORG_ADMIN and actor.organization_id:
        query = query.where(Payout.organization_id == actor.organization_id)
    elif actor.role != Role.ADMIN:
        return []
    rows = session.exec(query.order_by(col(Payout.id).desc()).limit(limit)).all()
    return [_view(payout, number) for payout, number in rows]


def mismatches(session: Session, limit: int = 50) -> list[PayoutView]:
    """Payouts reconciliation flagged, for the admin's section."""
    query = (
        select(Payout, MarketOrder.order_number)
        .join(MarketOrder, col(MarketOrder.id) == Payout.market_order_id)
        .where(col(Payout.mismatch).is_not(None))
        .order_by(col(Payout.updated_at).desc())
        .limit(limit)
    )
    return [_view(payout, number) for payout, number in session.exec(query).all()]


def receipt_split(session: Session, principal: Principal, receipt: str) -> fees.Split | None:
    """The fee line of a sale's receipt: what the buyer paid, the platform fee and the farmer's share, for
    whoever may see the payment (history.one checks that); None for a plan payment or an unpaid one."""
    from kisaan_app.services.payments import history

    row, _ = history.one(session, principal, receipt)
    payment = session.exec(select(Payment).where(Payment.receipt == row.receipt)).first()
    if payment is None or not payment.market_order_id:
        return None
    payout = for_order(session, payment.market_order_id)
    if payout is None:
        return None
    return fees.split(payout.gross_paise, processed_refunds(session, payment.id), payout.fee_bps)
