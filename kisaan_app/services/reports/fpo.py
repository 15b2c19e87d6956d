"""How an FPO is doing: members, what they sold, the order funnel, prices against the mandi, whether the money
adds up, whether messages reach people, and where crops are in trouble. One FPO only, ever."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session, col

from kisaan_app.models.accounts import FarmerProfile, MembershipRequest, Organization, User
from kisaan_app.models.enums import MembershipStatus, OrderStatus, ReportStatus, Role
from kisaan_app.models.feeds import CropHealthReport
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound
from kisaan_app.services.reports.buckets import Period, month_of, quintals, rate, run
from kisaan_app.services.reports.farmer import Funnel
from kisaan_app.services.reports.reach import ChannelReach, channel_reach
from kisaan_app.services.reports.reconcile import Reconciliation, reconcile
from kisaan_app.services.reports.sales import SOLD, mandi_modal, paise, per_quintal, sale_days
from kisaan_app.services.reports.scope import fpo_scope

TOP_MEMBERS = 50  # the members table (and its export) shows the biggest sellers


@dataclass(frozen=True)
class Members:
    total: int
    active: int
    farmers: int
    pending_requests: int  # asked to join, not yet decided
    profile_incomplete: int  # farmers without a village or district: not yet onboarded
    joined_by_month: list[tuple[str, int]]


@dataclass(frozen=True)
class Volume:
    key: str  # a crop, a member's name or a month
    orders: int
    quintals: float
    amount_paise: int


@dataclass(frozen=True)
class CropPrice:
    crop: str
    quintals: float
    realised_paise_per_quintal: int | None
    mandi_modal_paise_per_quintal: int | None  # over the sale days a mandi in the district reported

    @property
    def gap_percent(self) -> float | None:
        if not self.realised_paise_per_quintal or not self.mandi_modal_paise_per_quintal:
            return None
        return round(100.0 * (self.realised_paise_per_quintal / self.mandi_modal_paise_per_quintal - 1), 1)


@dataclass(frozen=True)
class VillageHealth:
    village: str  # "" when the farmer gave none
    reports: int
    open: int
    red: int


@dataclass(frozen=True)
class FpoReport:
    organization_id: int
    organization_name: str
    period: Period
    members: Members
    by_crop: list[Volume]
    by_member: list[Volume]
    by_month: list[Volume]
    funnel: Funnel
    refunded_orders: int
    prices: list[CropPrice]
    reconciliation: Reconciliation
    reach: list[ChannelReach]
    crop_health: list[VillageHealth]

    @property
    def cancellation_rate(self) -> float | None:
        return rate(self.funnel.cancelled, self.funnel.orders)


def fpo_report(
    session: Session, principal: Principal | None, organization_id: int | None = None, period: Period | None = None
) -> FpoReport:
    org_id = fpo_scope(principal, organization_id)
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound()
    period = period or Period.last_months()
    ours = col(MarketOrder.organization_id) == org_id
    in_period = (col(MarketOrder.paid_at) >= period.since, col(MarketOrder.paid_at) < period.until)
    funnel, refunded = _funnel(session, org_id, period)
    return FpoReport(
        organization_id=org_id,
        organization_name=org.name,
        period=period,
        members=_members(session, org_id, period),
        by_crop=_volume(session, col(Listing.crop), ours, *in_period, join_listing=True),
        by_member=_volume(session, User.full_name, ours, *in_period, join_user=True, limit=TOP_MEMBERS),
        by_month=_volume(session, month_of(session, col(MarketOrder.paid_at)), ours, *in_period, by_key=True),
        funnel=funnel,
        refunded_orders=refunded,
        prices=_prices(session, period, ours),
        reconciliation=reconcile(session, ours),
        reach=channel_reach(
            session,
            col(User.organization_id) == org_id,
            col(NotificationHistory.created_at) >= period.since,
            join_user=True,
        ),
        crop_health=_crop_health(session, org_id, period),
    )


def _members(session: Session, org_id: int, period: Period) -> Members:
    member = col(User.organization_id) == org_id
    total, active, farmers = run(
        session,
        select(
            sa.func.count(),
            sa.func.sum(sa.case((col(User.is_active), 1), else_=0)),
            sa.func.sum(sa.case((col(User.role) == Role.FARMER, 1), else_=0)),
        ).where(member),
    ).one()
    pending = run(
        session,
        select(sa.func.count()).where(
            col(MembershipRequest.organization_id) == org_id, col(MembershipRequest.status) == MembershipStatus.PENDING
        ),
    ).scalar_one()
    incomplete = run(
        session,
        select(sa.func.count())
        .select_from(User)
        .outerjoin(FarmerProfile, col(FarmerProfile.user_id) == col(User.id))
        .where(
            member,
            col(User.role) == Role.FARMER,
            sa.or_(col(FarmerProfile.village).is_(None), col(FarmerProfile.district).is_(None)),
        ),
    ).scalar_one()
    # Joined: the day the FPO approved the request; people placed directly (seed, platform admin) have none,
    # so their account's creation stands in.
    approved = (
        select(col(MembershipRequest.user_id), sa.func.max(MembershipRequest.decided_at).label("at"))
        .where(
            col(MembershipRequest.organization_id) == org_id, col(MembershipRequest.status) == MembershipStatus.APPROVED
        )
        .group_by(col(MembershipRequest.user_id))
        .subquery()
    )
    joined_at = sa.func.coalesce(approved.c.at, User.created_at)
    month = month_of(session, joined_at)
    joined = dict.fromkeys(period.months(), 0)
    for m, n in run(
        session,
        select(month, sa.func.count())
        .select_from(User)
        .outerjoin(approved, approved.c.user_id == col(User.id))
        .where(member, joined_at >= period.since, joined_at < period.until)
        .group_by(month),
    ):
        joined[m] = int(n)
    return Members(int(total), int(active or 0), int(farmers or 0), int(pending), int(incomplete), list(joined.items()))


def _volume(
    session: Session,
    key: Any,  # a column expression
    *where: Any,
    join_listing: bool = False,
    join_user: bool = False,
    by_key: bool = False,
    limit: int | None = None,
) -> list[Volume]:
    amount = sa.func.sum(MarketOrder.amount_paise)
    query = select(
        key.label("key"),
        sa.func.count(),
        sa.func.sum(quintals(col(MarketOrder.quantity), col(MarketOrder.unit))),
        amount,
    )
    if join_listing:
        query = query.join(Listing, col(Listing.id) == col(MarketOrder.listing_id))
    if join_user:
        query = query.join(User, col(User.id) == col(MarketOrder.farmer_id)).group_by(col(User.id))
    query = query.where(SOLD, *where).group_by(key)
    query = query.order_by(key) if by_key else query.order_by(amount.desc(), key)
    if limit:
        query = query.limit(limit)
    return [Volume(str(k), int(n), float(q or 0), int(a or 0)) for k, n, q, a in run(session, query)]


def _funnel(session: Session, org_id: int, period: Period) -> tuple[Funnel, int]:
    listing_ours = (
        col(Listing.organization_id) == org_id,
        col(Listing.created_at) >= period.since,
        col(Listing.created_at) < period.until,
    )
    listings = run(session, select(sa.func.count()).where(*listing_ours)).scalar_one()
    offers = run(
        session,
        select(sa.func.count())
        .select_from(Bid)
        .join(Listing, col(Listing.id) == col(Bid.listing_id))
        .where(col(Listing.organization_id) == org_id, col(Bid.created_at) >= period.since),
    ).scalar_one()
    status = col(MarketOrder.status)
    orders, paid, cancelled, refunded = run(
        session,
        select(
            sa.func.count(),
            sa.func.count(col(MarketOrder.paid_at)),
            sa.func.sum(sa.case((status == OrderStatus.CANCELLED, 1), else_=0)),
            sa.func.sum(sa.case((status == OrderStatus.REFUNDED, 1), else_=0)),
        ).where(
            col(MarketOrder.organization_id) == org_id,
            col(MarketOrder.created_at) >= period.since,
            col(MarketOrder.created_at) < period.until,
        ),
    ).one()
    return Funnel(int(listings), int(offers), int(orders), int(paid), int(cancelled or 0)), int(refunded or 0)


def _prices(session: Session, period: Period, *where: Any) -> list[CropPrice]:
    days = sale_days(session, period, *where)
    priced = select(days.c.crop, days.c.quintals, days.c.amount_paise, mandi_modal(days).label("mandi")).subquery()
    with_mandi = sa.case((priced.c.mandi.is_not(None), priced.c.quintals), else_=0)
    rows = run(
        session,
        select(
            priced.c.crop,
            sa.func.sum(priced.c.quintals),
            sa.func.sum(priced.c.amount_paise),
            sa.func.sum(priced.c.mandi * priced.c.quintals),
            sa.func.sum(with_mandi),
        )
        .group_by(priced.c.crop)
        .order_by(priced.c.crop),
    )
    return [
        CropPrice(crop, float(q or 0), per_quintal(amount, q), paise(float(mq) / float(wq)) if mq and wq else None)
        for crop, q, amount, mq, wq in rows
    ]


def _crop_health(session: Session, org_id: int, period: Period) -> list[VillageHealth]:
    village = sa.func.coalesce(FarmerProfile.village, "")
    rows = run(
        session,
        select(
            village,
            sa.func.count(),
            sa.func.sum(sa.case((col(CropHealthReport.status) == ReportStatus.OPEN, 1), else_=0)),
            sa.func.sum(sa.case((col(CropHealthReport.severity) == "red", 1), else_=0)),
        )
        .select_from(CropHealthReport)
        .join(User, col(User.id) == col(CropHealthReport.farmer_id))
        .outerjoin(FarmerProfile, col(FarmerProfile.user_id) == col(CropHealthReport.farmer_id))
        .where(col(User.organization_id) == org_id, col(CropHealthReport.created_at) >= period.since)
        .group_by(village)
        .order_by(sa.func.count().desc(), village),
    )
    return [VillageHealth(str(v), int(n), int(o or 0), int(r or 0)) for v, n, o, r in rows]
