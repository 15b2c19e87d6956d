"""Market analytics for one crop (optionally one district): mandi reports and modal prices by month, how much
prices swung (coefficient of variation), the same month a year earlier, and our marketplace against the mandis.

Agmarknet rows carry prices but no arrival tonnage in our table, so "arrivals" here counts market-days that
reported the crop (a proxy for how much trade the mandis saw), with the number of distinct markets beside it.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session, col

from kisaan_app.models.feeds import MandiPrice
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.services import glossary
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.reports.buckets import Period, month_of, month_of_date, quintals, run
from kisaan_app.services.reports.sales import SOLD, paise, per_quintal
from kisaan_app.services.reports.scope import market_scope

CROP_CHOICES = 30  # crops offered in the picker, most reported first


@dataclass(frozen=True)
class MarketMonth:
    month: str
    reports: int  # market-days that reported the crop
    markets: int
    modal_paise: int | None  # average modal price, paise per quintal
    min_paise: int | None
    max_paise: int | None
    volatility_percent: float | None  # coefficient of variation of the modal price within the month
    last_year_modal_paise: int | None  # the same month a year earlier

    @property
    def change_on_last_year_percent(self) -> float | None:
        if not self.modal_paise or not self.last_year_modal_paise:
            return None
        return round(100.0 * (self.modal_paise / self.last_year_modal_paise - 1), 1)


@dataclass(frozen=True)
class Spread:
    month: str
    ours_paise: int | None  # our marketplace's realised price per quintal that month
    mandi_paise: int | None
    quintals: float

    @property
    def spread_percent(self) -> float | None:
        if not self.ours_paise or not self.mandi_paise:
            return None
        return round(100.0 * (self.ours_paise / self.mandi_paise - 1), 1)


@dataclass(frozen=True)
class MarketReport:
    crop: str
    district: str | None
    period: Period
    months: list[MarketMonth]
    spread: list[Spread]


def crops_reported(session: Session, principal: Principal | None, limit: int = CROP_CHOICES) -> list[str]:
    market_scope(principal)
    query = select(col(MandiPrice.commodity)).group_by(col(MandiPrice.commodity))
    return list(run(session, query.order_by(sa.func.count().desc(), MandiPrice.commodity).limit(limit)).scalars())


def _year_before(month: str) -> str:
    return f"{int(month[:4]) - 1:04d}{month[4:]}"


def market_report(
    session: Session,
    principal: Principal | None,
    crop: str,
    district: str | None = None,
    period: Period | None = None,
) -> MarketReport:
    market_scope(principal)
    # Compared as stored (Agmarknet's and the glossary's Title Case), so the (commodity, district, date) index
    # serves the query; the picker offers the stored names.
    crop, district = glossary.tidy(crop), glossary.tidy(district) or None
    if not crop or len(crop) > 80:
        raise ValidationFailed("report_crop", field="crop")
    if district and len(district) > 80:
        raise ValidationFailed("invalid", field="district")
    period = period or Period.last_months()
    since = date(period.start.year - 1, period.start.month, 1)  # a year more, for the seasonal comparison
    month = month_of_date(session, col(MandiPrice.arrival_date))
    modal = col(MandiPrice.modal_price_paise) * 1.0
    where = [
        col(MandiPrice.commodity) == crop,
        col(MandiPrice.arrival_date) >= since,
        col(MandiPrice.arrival_date) <= period.end,
    ]
    if district:
        where.append(col(MandiPrice.district) == district)
    # Two steps: per (month, mandi), then per month — the mandi count without a COUNT(DISTINCT) sort over every
    # row. Variance as E[x²] − E[x]² (SQLite has no STDDEV); the square root is taken per month below.
    per_mandi = (
        select(
            month.label("month"),
            sa.func.count().label("n"),
            sa.func.sum(modal).label("total"),
            sa.func.sum(modal * modal).label("squares"),
            sa.func.min(MandiPrice.modal_price_paise).label("low"),
            sa.func.max(MandiPrice.modal_price_paise).label("high"),
        )
        .where(*where)
        .group_by(month, col(MandiPrice.market))
        .subquery("per_mandi")
    )
    m_ = per_mandi.c
    rows = {
        m: (int(n), int(k), float(total) / float(n), lo, hi, float(squares) / float(n))
        for m, n, k, total, lo, hi, squares in run(
            session,
            select(
                m_.month,
                sa.func.sum(m_.n),
                sa.func.count(),
                sa.func.sum(m_.total),
                sa.func.min(m_.low),
                sa.func.max(m_.high),
                sa.func.sum(m_.squares),
            ).group_by(m_.month),
        )
    }
    months = []
    for m in period.months():
        n, k, avg, lo, hi, sq = rows.get(m, (0, 0, None, None, None, None))
        cv = None
        if avg and sq is not None:
            variance = max(sq - avg**2, 0.0)
            cv = round(100.0 * variance**0.5 / avg, 1)
        last_year = rows.get(_year_before(m))
        months.append(MarketMonth(m, n, k, paise(avg), lo, hi, cv, paise(last_year[2]) if last_year else None))
    return MarketReport(crop, district, period, months, _spread(session, crop, district, period, months))


def _spread(
    session: Session, crop: str, district: str | None, period: Period, months: list[MarketMonth]
) -> list[Spread]:
    paid_month = month_of(session, col(MarketOrder.paid_at))
    where = [
        SOLD,
        col(Listing.crop) == crop,
        col(MarketOrder.paid_at) >= period.since,
        col(MarketOrder.paid_at) < period.until,
    ]
    if district:
        where.append(col(Listing.district) == district)
    ours = {
        m: (a, q)
        for m, a, q in run(
            session,
            select(
                paid_month,
                sa.func.sum(MarketOrder.amount_paise),
                sa.func.sum(quintals(col(MarketOrder.quantity), col(MarketOrder.unit))),
            )
            .join(Listing, col(Listing.id) == col(MarketOrder.listing_id))
            .where(*where)
            .group_by(paid_month),
        )
    }
    out = []
    for mm in months:
        amount, q = ours.get(mm.month, (None, None))
        out.append(Spread(mm.month, per_quintal(amount, q), mm.modal_paise, float(q or 0)))
    return out
