"""Who sees which payments: buyers and farmers their own (a farmer also the payments for their orders), org
admins their organisation's, admins all — with filters, paging and a CSV export."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from kisaan_app.i18n.formatting import IST
from kisaan_app.models.accounts import Organization, User
from kisaan_app.models.enums import Role
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import PAYMENT_STATUSES, Payment, Refund
from kisaan_app.services.accounts.validation import check_day
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.payments import refunds
from kisaan_app.services.payments.lifecycle import PAID_STATES

CSV_COLUMNS = (
    "receipt",
    "created_at",
    "payer",
    "organization",
    "purpose",
    "amount_rupees",
    "refunded_rupees",
    "status",
    "method",
    "razorpay_order_id",
    "razorpay_payment_id",
)


@dataclass(frozen=True)
class PaymentFilter:
    status: str | None = None
    date_from: date | None = None  # IST calendar days, inclusive
    date_to: date | None = None
    organization_id: int | None = None
    min_paise: int | None = None
    max_paise: int | None = None

    def check(self) -> "PaymentFilter":
        if self.status and self.status not in PAYMENT_STATUSES:
            raise ValidationFailed("payment_status_unknown", field="status")
        check_day(self.date_from, "date_from")
        check_day(self.date_to, "date_to")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationFailed("date_range", field="date_to")
        if self.min_paise is not None and self.max_paise is not None and self.min_paise > self.max_paise:
            raise ValidationFailed("amount_range", field="max_amount")
        return self


@dataclass(frozen=True)
class PaymentRow:
    receipt: str
    created_at: datetime
    payer: str
    organization: str | None
    purpose: str
    description: str
    amount_paise: int
    refunded_paise: int
    status: str
    method: str | None
    razorpay_order_id: str | None
    razorpay_payment_id: str | None
    payment_link_url: str | None
    payer_id: int
    # May this viewer refund it now (refunds.refund_offered)? Pages show the Refund button only then.
    can_refund: bool = False


def _scope(query, principal: Principal):
    if principal.role == Role.ADMIN:
        return query
    if principal.role == Role.ORG_ADMIN:
        return query.where(Payment.organization_id == principal.organization_id)
    farmer_orders = select(MarketOrder.id).where(MarketOrder.farmer_id == principal.id)
    return query.where(or_(Payment.payer_id == principal.id, col(Payment.market_order_id).in_(farmer_orders)))


def _filtered(query, principal: Principal, f: PaymentFilter):
    query = _scope(query, principal)
    if f.status:
        query = query.where(Payment.status == f.status)
    if f.date_from:
        query = query.where(col(Payment.created_at) >= datetime.combine(f.date_from, time(), IST))
    if f.date_to:
        query = query.where(col(Payment.created_at) < datetime.combine(f.date_to + timedelta(days=1), time(), IST))
    if f.organization_id and principal.role == Role.ADMIN:
        query = query.where(Payment.organization_id == f.organization_id)
    if f.min_paise is not None:
        query = query.where(col(Payment.amount_paise) >= f.min_paise)
    if f.max_paise is not None:
        query = query.where(col(Payment.amount_paise) <= f.max_paise)
    return query


def _rows_query(principal: Principal, f: PaymentFilter):
    query = (
        select(Payment, User.full_name, Organization.name)
        .join(User, col(User.id) == Payment.payer_id)
        .join(Organization, col(Organization.id) == Payment.organization_id, isouter=True)
    )
    return _filtered(query, principal, f).order_by(col(Payment.created_at).desc(), col(Payment.id).desc())


def _row(payment: Payment, payer: str, organization: str | None, can_refund: bool = False) -> PaymentRow:
    return PaymentRow(
        payment.receipt,
        payment.created_at,
        payer,
        organization,
        payment.purpose,
        str(payment.notes.get("description") or ""),
        payment.amount_paise,
        payment.amount_refunded_paise,
        payment.status,
        payment.method,
        payment.razorpay_order_id,
        payment.razorpay_payment_id,
        payment.payment_link_url,
        payment.payer_id,
        can_refund,
    )


def _viewed(
    session: Session, principal: Principal, payment: Payment, payer: str, organization: str | None
) -> PaymentRow:
    return _row(payment, payer, organization, refunds.refund_offered(session, principal, payment))


def page(
    session: Session, principal: Principal, f: PaymentFilter, limit: int = 50, offset: int = 0
) -> tuple[list[PaymentRow], int]:
    f.check()
    total = session.exec(_filtered(select(func.count()).select_from(Payment), principal, f)).one()
    rows = session.exec(_rows_query(principal, f).limit(min(limit, 500)).offset(max(offset, 0))).all()
    return [_viewed(session, principal, *r) for r in rows], total


@dataclass(frozen=True)
class Totals:
    paid_paise: int  # money that reached us (captured, whether or not some went back)
    refunded_paise: int  # of that, what was given back

    @property
    def net_paise(self) -> int:
        return self.paid_paise - self.refunded_paise


def totals(session: Session, principal: Principal, f: PaymentFilter) -> Totals:
    """What the viewer's payments (as the list filters them) brought in and gave back, in one query."""
    f.check()
    query = select(
        func.coalesce(func.sum(Payment.amount_paise), 0), func.coalesce(func.sum(Payment.amount_refunded_paise), 0)
    )
    query = _filtered(query.select_from(Payment), principal, f).where(col(Payment.status).in_(PAID_STATES))
    paid, refunded = session.exec(query).one()
    return Totals(int(paid), int(refunded))


def one(session: Session, principal: Principal, receipt: str) -> tuple[PaymentRow, list[Refund]]:
    found = session.exec(_rows_query(principal, PaymentFilter()).where(Payment.receipt == receipt)).first()
    if found is None:
        raise NotFound("payment_not_found")
    made = session.exec(select(Refund).where(Refund.payment_id == found[0].id).order_by(col(Refund.id))).all()
    return _viewed(session, principal, *found), list(made)


def by_order_id(session: Session, principal: Principal, razorpay_order_id: str) -> tuple[PaymentRow, list[Refund]]:
    receipt = session.exec(select(Payment.receipt).where(Payment.razorpay_order_id == razorpay_order_id)).first()
    return one(session, principal, receipt or "")


def _cell(text: str) -> str:
    """Names typed by users must not become spreadsheet formulas (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(session: Session, principal: Principal, f: PaymentFilter) -> Iterator[str]:
    """The filtered list as CSV lines (rupees with two decimals; times in IST), streamed in chunks."""
    f.check()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for payment, payer, organization in session.exec(_rows_query(principal, f).execution_options(yield_per=500)):
        r = _row(payment, payer, organization)
        writer.writerow(
            [
                r.receipt,
                r.created_at.astimezone(IST).isoformat(timespec="seconds"),
                _cell(r.payer),
                _cell(r.organization or ""),
                r.purpose,
                f"{r.amount_paise / 100:.2f}",
                f"{r.refunded_paise / 100:.2f}",
                r.status,
                r.method or "",
                r.razorpay_order_id or "",
                r.razorpay_payment_id or "",
            ]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
