"""A farmer's statement for a period: what they sold, what buyers paid, what went back, what is still unpaid.

Every figure is a sum over rows the statement also lists, so the totals can be checked by hand against the
lines above them (and are, in tests/integration/test_documents.py). Days are IST calendar days, inclusive.
Who may print one: the farmer themself, their FPO's admin, a platform admin.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from kisaan_app.i18n.formatting import IST
from kisaan_app.models.accounts import Organization, User
from kisaan_app.models.enums import OrderStatus, RefundStatus, Role
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services.accounts.validation import check_day
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ErrorCode, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.payments.lifecycle import PAID_STATES

MAX_DAYS = 366  # one statement covers at most a year: longer ones are several


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    def check(self) -> "Period":
        check_day(self.date_from, "date_from")
        check_day(self.date_to, "date_to")
        if self.date_from > self.date_to:
            raise ValidationFailed(ErrorCode.DATE_RANGE, field="date_to")
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise ValidationFailed(ErrorCode.STATEMENT_PERIOD_TOO_LONG, field="date_from", days=MAX_DAYS)
        return self

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: midnight IST of the first day to midnight after the last."""
        return datetime.combine(self.date_from, time(), IST), datetime.combine(
            self.date_to + timedelta(days=1), time(), IST
        )


@dataclass(frozen=True)
class SaleLine:
    at: datetime
    order_number: str
    crop: str
    quantity: float
    unit: str
    amount_paise: int
    status: str


@dataclass(frozen=True)
class PaymentLine:
    at: datetime
    receipt: str
    order_number: str
    amount_paise: int
    method: str | None


@dataclass(frozen=True)
class RefundLine:
    at: datetime
    receipt: str
    order_number: str
    amount_paise: int


@dataclass(frozen=True)
class Statement:
    farmer_id: int
    farmer_name: str
    farmer_phone: str | None
    organization: str | None
    language: str
    period: Period
    sales: list[SaleLine]
    received: list[PaymentLine]
    refunds: list[RefundLine]
    pending: list[SaleLine]

    @property
    def sales_paise(self) -> int:
        """The value of the period's sales that still stand (a cancelled order sold nothing)."""
        return sum(s.amount_paise for s in self.sales if s.status != OrderStatus.CANCELLED)

    @property
    def received_paise(self) -> int:
        return sum(p.amount_paise for p in self.received)

    @property
    def refunded_paise(self) -> int:
        return sum(r.amount_paise for r in self.refunds)

    @property
    def pending_paise(self) -> int:
        return sum(s.amount_paise for s in self.pending)

    @property
    def net_paise(self) -> int:
        return self.received_paise - self.refunded_paise


def farmer_for(session: Session, principal: Principal, farmer_id: int | None) -> User:
    """The farmer whose statement this viewer may print; anyone else's is "not found" (never "forbidden", which
    would tell a stranger the farmer exists)."""
    if principal.role in (Role.BUYER,):
        raise PermissionDenied()
    wanted = principal.id if farmer_id is None else farmer_id
    farmer = session.get(User, wanted)
    if farmer is None or farmer.role != Role.FARMER:
        raise NotFound(ErrorCode.USER_NOT_FOUND, field="farmer_id")
    if principal.role == Role.FARMER:
        allowed = wanted == principal.id
    elif principal.role == Role.ORG_ADMIN:
        allowed = principal.organization_id is not None and farmer.organization_id == principal.organization_id
    else:
        allowed = principal.role == Role.ADMIN
    if not allowed:
        raise NotFound(ErrorCode.USER_NOT_FOUND, field="farmer_id")
    return farmer


def _sales(session: Session, farmer_id: int, start: datetime, end: datetime) -> list[SaleLine]:
    query = (
        select(MarketOrder, Listing.crop)
        .join(Listing, col(Listing.id) == MarketOrder.listing_id)
        .where(MarketOrder.farmer_id == farmer_id)
        .where(col(MarketOrder.created_at) >= start, col(MarketOrder.created_at) < end)
        .order_by(col(MarketOrder.created_at), col(MarketOrder.id))
    )
    return [
        SaleLine(o.created_at, o.order_number, crop, o.quantity, o.unit, o.amount_paise, o.status)
        for o, crop in session.exec(query).all()
    ]


def _received(session: Session, farmer_id: int, start: datetime, end: datetime) -> list[PaymentLine]:
    query = (
        select(Payment, MarketOrder.order_number)
        .join(MarketOrder, col(MarketOrder.id) == Payment.market_order_id)
        .where(MarketOrder.farmer_id == farmer_id, col(Payment.status).in_(PAID_STATES))
        .where(col(Payment.captured_at) >= start, col(Payment.captured_at) < end)
        .order_by(col(Payment.captured_at), col(Payment.id))
    )
    return [
        PaymentLine(p.captured_at or p.created_at, p.receipt, number, p.amount_paise, p.method)
        for p, number in session.exec(query).all()
    ]


def _refunds(session: Session, farmer_id: int, start: datetime, end: datetime) -> list[RefundLine]:
    """Refunds that went through in the period (a pending or failed one gave nothing back yet)."""
    query = (
        select(Refund, Payment.receipt, MarketOrder.order_number)
        .join(Payment, col(Payment.id) == Refund.payment_id)
        .join(MarketOrder, col(MarketOrder.id) == Payment.market_order_id)
        .where(MarketOrder.farmer_id == farmer_id, Refund.status == RefundStatus.PROCESSED)
        .where(col(Refund.processed_at) >= start, col(Refund.processed_at) < end)
        .order_by(col(Refund.processed_at), col(Refund.id))
    )
    return [
        RefundLine(r.processed_at or r.created_at, receipt, number, r.amount_paise)
        for r, receipt, number in session.exec(query).all()
    ]


def statement_for(session: Session, principal: Principal, period: Period, farmer_id: int | None = None) -> Statement:
    period.check()
    farmer = farmer_for(session, principal, farmer_id)
    farmer_key = int(farmer.id or 0)  # a loaded row always has its id
    start, end = period.bounds()
    organization = session.get(Organization, farmer.organization_id) if farmer.organization_id else None
    sales = _sales(session, farmer_key, start, end)
    return Statement(
        farmer_id=farmer_key,
        farmer_name=farmer.full_name,
        farmer_phone=farmer.phone,
        organization=organization.name if organization else None,
        language=farmer.preferred_language,
        period=period,
        sales=sales,
        received=_received(session, farmer_key, start, end),
        refunds=_refunds(session, farmer_key, start, end),
        pending=[s for s in sales if s.status == OrderStatus.PENDING_PAYMENT],
    )
