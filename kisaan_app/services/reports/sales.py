"""Sales by IST day, crop and district, each beside the mandi's modal price that day: the subquery the farmer
and FPO reports aggregate further (one definition of "realised price vs mandi")."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from kisaan_app.models.feeds import MandiPrice
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.services.reports.buckets import Period, day_of, month_of, quintals

# An order counts as a sale once money arrived (paid_at is set); refunds are reported beside it, not netted away.
SOLD = col(MarketOrder.paid_at).is_not(None)


def sale_days(session: Session, period: Period, *where: ColumnElement[bool]) -> Subquery:
    """Columns: day, month, crop, district, orders, quintals, amount_paise, refunded_paise (sold orders only)."""
    day = day_of(session, col(MarketOrder.paid_at))
    # Listings store glossary-canonical names ("Onion", "Nashik"), as Agmarknet spells them: comparing them as
    # stored lets the mandi lookup use ix_mandi_price_commodity_district_date.
    crop, district = col(Listing.crop), col(Listing.district)
    return (
        select(
            day.label("day"),
            month_of(session, col(MarketOrder.paid_at)).label("month"),
            crop.label("crop"),
            district.label("district"),
            sa.func.count().label("orders"),
            sa.func.sum(quintals(col(MarketOrder.quantity), col(MarketOrder.unit))).label("quintals"),
            sa.func.sum(MarketOrder.amount_paise).label("amount_paise"),
            sa.func.sum(MarketOrder.refunded_paise).label("refunded_paise"),
        )
        .join(Listing, col(Listing.id) == col(MarketOrder.listing_id))
        .where(SOLD, col(MarketOrder.paid_at) >= period.since, col(MarketOrder.paid_at) < period.until, *where)
        .group_by(day, month_of(session, col(MarketOrder.paid_at)), crop, district)
        .subquery("sale_days")
    )


def mandi_modal(days: Subquery) -> ColumnElement:
    """The average modal price (paise per quintal) in the sale's district for its crop on the sale's day, or NULL
    when no mandi there reported that day (one index probe per sale day and crop)."""
    return (
        select(sa.func.avg(MandiPrice.modal_price_paise))
        .where(
            col(MandiPrice.commodity) == days.c.crop,
            col(MandiPrice.district) == days.c.district,
            col(MandiPrice.arrival_date) == days.c.day,
        )
        .scalar_subquery()
    )


def per_quintal(amount_paise: float | int | None, quintals_sold: float | int | None) -> int | None:
    if not amount_paise or not quintals_sold:
        return None
    return round(float(amount_paise) / float(quintals_sold))


def as_date(value: object) -> date:
    """SQLite hands DATE() back as text, PostgreSQL as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def paise(value: object) -> int | None:
    """An AVG() of paise (Decimal on PostgreSQL, float on SQLite) as whole paise."""
    return None if value is None else round(float(value))  # type: ignore[arg-type]
