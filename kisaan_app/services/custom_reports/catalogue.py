"""The whitelist: every measure, dimension and filter a custom report may name, each mapped to SQL here.

A measure sums or counts over one of three bases, each anchored on the sale (market_order) so the FPO scope and
the crop, district and member dimensions mean the same thing whatever is measured:
  orders   — orders placed in the period (cancelled ones sold nothing and are left out)
  payments — buyers' payments captured in the period
  refunds  — refunds that went through in the period
Adding a measure or a dimension is one entry here plus its catalogue key (`custom_reports.measure.<key>`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from kisaan_app.models.accounts import User
from kisaan_app.models.enums import OrderStatus, RefundStatus
from kisaan_app.models.market import ORDER_STATUSES, Listing, MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services.errors import ErrorCode, ValidationFailed
from kisaan_app.services.payments.lifecycle import PAID_STATES

ALL_BASES = ("orders", "payments", "refunds")
PAYMENT_METHODS = ("upi", "card", "netbanking", "wallet", "emi", "paylater", "cash")
# Quantities are thousandths of their unit in the column (models/base.py Quantity); as thousandths of a kg
# they add up exactly across kg, quintal and tonne.
_KG_THOUSANDTHS = {"kg": 1, "quintal": 100, "tonne": 1000}
Farmer = aliased(User, name="farmer")


def _raw_quantity_kg() -> Any:
    raw = sa.type_coerce(MarketOrder.quantity, sa.BigInteger)
    return sa.case(*[(col(MarketOrder.unit) == u, raw * k) for u, k in _KG_THOUSANDTHS.items()], else_=raw * 100)


@dataclass(frozen=True)
class Base:
    key: str
    when: Any  # the time column the period and the month dimension use

    def select_from(self, query: sa.Select) -> sa.Select:
        if self.key == "refunds":
            query = query.select_from(Refund).join(Payment, col(Payment.id) == col(Refund.payment_id))
            query = query.join(MarketOrder, col(MarketOrder.id) == col(Payment.market_order_id))
            query = query.where(col(Refund.status) == RefundStatus.PROCESSED)
        elif self.key == "payments":
            query = query.select_from(Payment).join(MarketOrder, col(MarketOrder.id) == col(Payment.market_order_id))
            query = query.where(col(Payment.status).in_(PAID_STATES))
        else:
            query = query.select_from(MarketOrder).where(col(MarketOrder.status) != OrderStatus.CANCELLED)
        return query.join(Listing, col(Listing.id) == col(MarketOrder.listing_id))


BASES = {
    "orders": Base("orders", MarketOrder.created_at),
    "payments": Base("payments", Payment.captured_at),
    "refunds": Base("refunds", Refund.processed_at),
}


@dataclass(frozen=True)
class Measure:
    key: str
    base: str
    kind: str  # money (paise) | count | quantity (quintals)
    aggregate: Callable[[], Any]

    def value(self, raw: Any) -> float | int:
        if raw is None:
            return 0
        if self.kind == "quantity":
            return round(int(raw) / 100_000, 3)  # thousandths of a kg → quintals
        return int(raw)


MEASURES = {
    m.key: m
    for m in (
        Measure("order_value", "orders", "money", lambda: sa.func.sum(MarketOrder.amount_paise)),
        Measure("order_count", "orders", "count", lambda: sa.func.count(col(MarketOrder.id))),
        Measure("quantity", "orders", "quantity", lambda: sa.func.sum(_raw_quantity_kg())),
        Measure("payments_captured", "payments", "money", lambda: sa.func.sum(Payment.amount_paise)),
        Measure("refunds", "refunds", "money", lambda: sa.func.sum(Refund.amount_paise)),
    )
}


def month_of(when: Any, dialect: str) -> Any:
    """'2026-11': the IST calendar month of a UTC timestamp, in the database (no rows fetched to bucket)."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("Asia/Kolkata", when), "YYYY-MM")
    return sa.func.strftime("%Y-%m", when, "+330 minutes")  # IST is UTC+5:30 all year


@dataclass(frozen=True)
class Dimension:
    key: str
    bases: tuple[str, ...]
    # (group-by columns, the label column) for a base and a dialect
    columns: Callable[[Base, str], tuple[list[Any], Any]]
    needs_farmer: bool = False


DIMENSIONS = {
    d.key: d
    for d in (
        Dimension("crop", ALL_BASES, lambda b, _d: ([Listing.crop], Listing.crop)),
        Dimension("district", ALL_BASES, lambda b, _d: ([Listing.district], Listing.district)),
        Dimension("month", ALL_BASES, lambda b, d: ([month_of(b.when, d)], month_of(b.when, d))),
        Dimension("member", ALL_BASES, lambda b, _d: ([Farmer.id, Farmer.full_name], Farmer.full_name), True),
        Dimension("status", ("orders",), lambda b, _d: ([MarketOrder.status], MarketOrder.status)),
        Dimension("channel", ("payments", "refunds"), lambda b, _d: ([Payment.method], Payment.method)),
    )
}


def _text(value: str) -> str:
    return " ".join(value.split()).casefold()


def _member(value: str) -> str:
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**31:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_FILTER_UNKNOWN, field="filters")
    return str(int(value))


def _one_of(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def clean(value: str) -> str:
        value = value.strip().lower()
        if value not in allowed:
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_FILTER_UNKNOWN, field="filters")
        return value

    return clean


@dataclass(frozen=True)
class Filter:
    key: str
    bases: tuple[str, ...]
    clean: Callable[[str], str]  # one value, normalised or refused
    where: Callable[[tuple[str, ...]], Any]  # the values (bound parameters) → a WHERE clause


FILTERS = {
    f.key: f
    for f in (
        Filter("crop", ALL_BASES, _text, lambda v: sa.func.lower(Listing.crop).in_(v)),
        Filter("district", ALL_BASES, _text, lambda v: sa.func.lower(Listing.district).in_(v)),
        Filter("member", ALL_BASES, _member, lambda v: col(MarketOrder.farmer_id).in_([int(x) for x in v])),
        Filter("status", ("orders",), _one_of(ORDER_STATUSES), lambda v: col(MarketOrder.status).in_(v)),
        Filter("channel", ("payments", "refunds"), _one_of(PAYMENT_METHODS), lambda v: col(Payment.method).in_(v)),
    )
}
