"""My farm: what a farmer sold and earned, at what price against the mandi, and what is still to come."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session, col

from kisaan_app.models.enums import OrderStatus, PaymentStatus
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.models.payments import Payment
from kisaan_app.services.context import Principal
from kisaan_app.services.payments.overview import PlanStatus, current_plan
from kisaan_app.services.reports.buckets import Period, run
from kisaan_app.services.reports.sales import as_date, mandi_modal, paise, per_quintal, sale_days
from kisaan_app.services.reports.scope import farmer_scope

MONEY_IN = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class MonthCrop:
    month: str  # YYYY-MM (IST)
    crop: str
    orders: int
    quintals: float
    amount_paise: int  # what buyers paid
    refunded_paise: int  # given back since

    @property
    def income_paise(self) -> int:
        return self.amount_paise - self.refunded_paise


@dataclass(frozen=True)
class PricePoint:
    day: date
    crop: str
    realised_paise_per_quintal: int | None
    mandi_modal_paise_per_quintal: int | None  # None: no mandi in the district reported that day


@dataclass(frozen=True)
class Funnel:
    listings: int
    offers: int
    orders: int
    paid: int
    cancelled: int = 0


@dataclass(frozen=True)
class Money:
    received_paise: int  # captured, less refunds
    pending_paise: int  # orders waiting for the buyer to pay
    refunded_paise: int


@dataclass(frozen=True)
class FarmerReport:
    period: Period
    by_month_crop: list[MonthCrop]
    income_by_month: list[tuple[str, int]]  # every month of the period, zero when nothing sold
    prices: list[PricePoint]
    funnel: Funnel
    money: Money
    plan: PlanStatus


def farmer_report(session: Session, principal: Principal | None, period: Period | None = None) -> FarmerReport:
    farmer_id = farmer_scope(principal)
    assert principal is not None
    period = period or Period.last_months()
    mine = col(MarketOrder.farmer_id) == farmer_id
    days = sale_days(session, period, mine)
    by_month_crop = [
        MonthCrop(r.month, r.crop, int(r.orders), float(r.quintals or 0), int(r.amount_paise), int(r.refunded_paise))
        for r in run(
            session,
            select(
                days.c.month,
                days.c.crop,
                sa.func.sum(days.c.orders).label("orders"),
                sa.func.sum(days.c.quintals).label("quintals"),
                sa.func.sum(days.c.amount_paise).label("amount_paise"),
                sa.func.sum(days.c.refunded_paise).label("refunded_paise"),
            )
            .group_by(days.c.month, days.c.crop)
            .order_by(days.c.month, days.c.crop),
        )
    ]
    income: dict[str, int] = dict.fromkeys(period.months(), 0)
    for row in by_month_crop:
        income[row.month] = income.get(row.month, 0) + row.income_paise
    prices = [
        PricePoint(as_date(r.day), r.crop, per_quintal(r.amount_paise, r.quintals), paise(r.mandi))
        for r in run(
            session,
            select(
                days.c.day, days.c.crop, days.c.amount_paise, days.c.quintals, mandi_modal(days).label("mandi")
            ).order_by(days.c.day, days.c.crop),
        )
    ]
    return FarmerReport(
        period,
        by_month_crop,
        list(income.items()),
        prices,
        _funnel(session, farmer_id, period),
        _money(session, farmer_id),
        current_plan(session, principal),
    )


def _funnel(session: Session, farmer_id: int, period: Period) -> Funnel:
    in_period = (col(Listing.created_at) >= period.since, col(Listing.created_at) < period.until)
    listings = run(session, select(sa.func.count()).where(col(Listing.farmer_id) == farmer_id, *in_period)).scalar_one()
    offers = run(
        session,
        select(sa.func.count())
        .select_from(Bid)
        .join(Listing, col(Listing.id) == col(Bid.listing_id))
        .where(col(Listing.farmer_id) == farmer_id, col(Bid.created_at) >= period.since),
    ).scalar_one()
    orders, paid, cancelled = run(
        session,
        select(
            sa.func.count(),
            sa.func.count(col(MarketOrder.paid_at)),
            sa.func.coalesce(sa.func.sum(sa.case((col(MarketOrder.status) == OrderStatus.CANCELLED, 1), else_=0)), 0),
        ).where(
            col(MarketOrder.farmer_id) == farmer_id,
            col(MarketOrder.created_at) >= period.since,
            col(MarketOrder.created_at) < period.until,
        ),
    ).one()
    return Funnel(int(listings), int(offers), int(orders), int(paid), int(cancelled))


def _money(session: Session, farmer_id: int) -> Money:
    """All-time: money is owed or received regardless of the period a chart shows."""
    received, refunded = run(
        session,
        select(
            sa.func.coalesce(sa.func.sum(col(Payment.amount_paise) - col(Payment.amount_refunded_paise)), 0),
            sa.func.coalesce(sa.func.sum(Payment.amount_refunded_paise), 0),
        )
        .join(MarketOrder, col(MarketOrder.id) == col(Payment.market_order_id))
        .where(col(MarketOrder.farmer_id) == farmer_id, col(Payment.status).in_(MONEY_IN)),
    ).one()
    pending = run(
        session,
        select(sa.func.coalesce(sa.func.sum(MarketOrder.amount_paise), 0)).where(
            col(MarketOrder.farmer_id) == farmer_id, col(MarketOrder.status) == OrderStatus.PENDING_PAYMENT
        ),
    ).scalar_one()
    return Money(int(received), int(pending), int(refunded))
