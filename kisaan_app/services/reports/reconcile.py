"""Payments reconciliation for an FPO: each order beside the money its payments took, the refunds recorded and
the provider's ids, summed in the database; rows that do not add up are flagged (at most FLAGGED_LIMIT shown).

Flags (each a rule a healthy order keeps):
- paid_without_capture: the order says paid but no payment was captured for it.
- money_on_unpaid_order: money was captured for an order still awaiting payment or cancelled, and not given back.
- double_capture: more than one payment captured for one order.
- refund_mismatch: the order's refunded figure, its payments' refunded figure and the processed refunds differ.
- refund_pending: a refund is still waiting for the provider.
- no_provider_id: a captured payment without Razorpay's payment id (no provider record to match).
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from kisaan_app.models.enums import OrderStatus, PaymentStatus, RefundStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services.reports.buckets import run

FLAGGED_LIMIT = 200
FLAGS = (
    "paid_without_capture",
    "money_on_unpaid_order",
    "double_capture",
    "refund_mismatch",
    "refund_pending",
    "no_provider_id",
)
_CAPTURED = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class ReconRow:
    order_number: str
    status: str
    amount_paise: int
    captured_paise: int
    refunded_paise: int  # processed refunds
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Reconciliation:
    orders: int
    order_amount_paise: int  # orders that were paid
    captured_paise: int
    refunded_paise: int
    pending_refund_paise: int
    flagged_count: int
    flagged: list[ReconRow]

    @property
    def balanced(self) -> bool:
        return self.flagged_count == 0


def _flag_columns(r: Any) -> dict[str, ColumnElement[bool]]:  # the per-order subquery's columns
    return {
        "paid_without_capture": sa.and_(r.paid_at.is_not(None), r.captures == 0),
        "money_on_unpaid_order": sa.and_(
            r.status.in_((OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)), r.captured > r.pay_refunded
        ),
        "double_capture": r.captures > 1,
        "refund_mismatch": sa.or_(r.order_refunded != r.pay_refunded, r.pay_refunded != r.refunds_processed),
        "refund_pending": r.refunds_pending > 0,
        "no_provider_id": r.missing_provider > 0,
    }


def reconcile(session: Session, *where: ColumnElement[bool]) -> Reconciliation:
    captured = col(Payment.status).in_(_CAPTURED)
    # Only the payments of the orders asked about: a semi-join on ix_payment_market_order_id, never a GROUP BY
    # over every payment on the platform.
    orders_asked = select(col(MarketOrder.id)).where(*where)
    payments = (
        select(
            Payment.market_order_id.label("order_id"),  # type: ignore[union-attr]
            sa.func.sum(sa.case((captured, Payment.amount_paise), else_=0)).label("captured"),
            sa.func.sum(sa.case((captured, 1), else_=0)).label("captures"),
            sa.func.sum(Payment.amount_refunded_paise).label("pay_refunded"),
            sa.func.sum(sa.case((sa.and_(captured, col(Payment.razorpay_payment_id).is_(None)), 1), else_=0)).label(
                "missing_provider"
            ),
        )
        .where(col(Payment.market_order_id).in_(orders_asked))
        .group_by(col(Payment.market_order_id))
        .subquery("p")
    )
    refunds = (
        select(
            Payment.market_order_id.label("order_id"),  # type: ignore[union-attr]
            sa.func.sum(sa.case((col(Refund.status) == RefundStatus.PROCESSED, Refund.amount_paise), else_=0)).label(
                "processed"
            ),
            sa.func.sum(sa.case((col(Refund.status) == RefundStatus.PENDING, Refund.amount_paise), else_=0)).label(
                "pending"
            ),
        )
        .join(Payment, col(Payment.id) == col(Refund.payment_id))
        .where(col(Payment.market_order_id).in_(orders_asked))
        .group_by(col(Payment.market_order_id))
        .subquery("r")
    )
    z = sa.func.coalesce
    per_order = (
        select(
            col(MarketOrder.order_number),
            col(MarketOrder.status),
            col(MarketOrder.paid_at),
            col(MarketOrder.amount_paise),
            MarketOrder.refunded_paise.label("order_refunded"),  # type: ignore[attr-defined]
            z(payments.c.captured, 0).label("captured"),
            z(payments.c.captures, 0).label("captures"),
            z(payments.c.pay_refunded, 0).label("pay_refunded"),
            z(payments.c.missing_provider, 0).label("missing_provider"),
            z(refunds.c.processed, 0).label("refunds_processed"),
            z(refunds.c.pending, 0).label("refunds_pending"),
        )
        .outerjoin(payments, payments.c.order_id == col(MarketOrder.id))
        .outerjoin(refunds, refunds.c.order_id == col(MarketOrder.id))
        .where(*where)
        .subquery("o")
    )
    flags = _flag_columns(per_order.c)
    any_flag = sa.or_(*flags.values())
    totals = run(
        session,
        select(
            sa.func.count(),
            z(sa.func.sum(sa.case((per_order.c.paid_at.is_not(None), per_order.c.amount_paise), else_=0)), 0),
            z(sa.func.sum(per_order.c.captured), 0),
            z(sa.func.sum(per_order.c.refunds_processed), 0),
            z(sa.func.sum(per_order.c.refunds_pending), 0),
            z(sa.func.sum(sa.case((any_flag, 1), else_=0)), 0),
        ),
    ).one()
    flagged = [
        ReconRow(
            r.order_number,
            r.status,
            int(r.amount_paise),
            int(r.captured),
            int(r.refunds_processed),
            tuple(name for name in FLAGS if getattr(r, name)),
        )
        for r in run(
            session,
            select(per_order, *(expr.label(name) for name, expr in flags.items()))
            .where(any_flag)
            .order_by(per_order.c.order_number)
            .limit(FLAGGED_LIMIT),
        )
    ]
    orders, paid, taken, refunded, pending, flagged_count = (int(v) for v in totals)
    return Reconciliation(orders, paid, taken, refunded, pending, flagged_count, flagged)
