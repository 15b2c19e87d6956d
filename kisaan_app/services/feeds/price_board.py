"""What the dashboard shows of mandi prices: the latest row per market series with its day-on-day change,
a 30-day trend, and live ticks published to every open dashboard."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func as sa_func
from sqlmodel import Session, col, or_, select

from kisaan_app.models.feeds import MandiPrice
from kisaan_app.realtime import ALL, send_on_commit
from kisaan_app.realtime.payloads import PriceTick
from kisaan_app.services.feeds import prices
from kisaan_app.services.feeds.prices import PriceRecord, upsert

LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class PriceRow:
    commodity: str
    variety: str
    market: str
    district: str
    state: str
    arrival_date: date
    min_price_paise: int
    max_price_paise: int
    modal_price_paise: int
    change_paise: int | None
    direction: str | None  # up | down | same | None when there is no earlier day


@dataclass(frozen=True)
class TrendPoint:
    date: date
    modal_rupees: float


def _direction(change: int | None) -> str | None:
    if change is None:
        return None
    return "up" if change > 0 else "down" if change < 0 else "same"


def _near(district: str | None, state: str | None):
    conditions = []
    if district:
        conditions.append(sa_func.lower(MandiPrice.district) == district.lower())
    if state:
        conditions.append(sa_func.lower(MandiPrice.state) == state.lower())
    return or_(*conditions) if conditions else None


def latest_prices(
    session: Session, commodities: list[str], district: str | None, state: str | None, limit: int = 30
) -> list[PriceRow]:
    """Latest day per (market, commodity, variety) near the farmer: their district first, then their state."""
    wanted = [c.lower() for c in commodities if c]
    if not wanted:
        return []
    since = date.today() - timedelta(days=LOOKBACK_DAYS)
    stmt = select(MandiPrice).where(
        sa_func.lower(MandiPrice.commodity).in_(wanted), col(MandiPrice.arrival_date) >= since
    )
    near = _near(district, state)
    if near is not None:
        stmt = stmt.where(near)
    rows = session.exec(stmt.order_by(col(MandiPrice.arrival_date).desc())).all()
    series: dict[tuple, list[MandiPrice]] = {}
    for row in rows:
        days = series.setdefault((row.market, row.commodity, row.variety), [])
        if len(days) < 2:
            days.append(row)  # newest first: the latest day and the one before it
    result = []
    for latest, *previous in series.values():
        change = latest.modal_price_paise - previous[0].modal_price_paise if previous else None
        result.append(
            PriceRow(
                latest.commodity,
                latest.variety,
                latest.market,
                latest.district,
                latest.state,
                latest.arrival_date,
                latest.min_price_paise,
                latest.max_price_paise,
                latest.modal_price_paise,
                change,
                _direction(change),
            )
        )
    in_district = (district or "").lower()
    result.sort(
        key=lambda r: (r.district.lower() != in_district, wanted.index(r.commodity.lower()), r.market, r.variety)
    )
    return result[:limit]


def public_board(session: Session, limit: int = 8) -> list[PriceRow]:
    """Today's prices for a visitor's first look: the latest day of every crop's series, anywhere (mandi prices
    are public data, so no reader is needed)."""
    first_per_crop: dict[str, PriceRow] = {}
    for row in latest_prices(session, prices.commodities(session), None, None, limit=500):
        first_per_crop.setdefault(row.commodity.lower(), row)  # one market per crop keeps the page short
    return list(first_per_crop.values())[:limit]


def price_trend(
    session: Session, commodity: str, district: str | None, state: str | None, days: int = LOOKBACK_DAYS
) -> list[TrendPoint]:
    """Average modal price per day over the markets of the district (or the state, if the district has none)."""
    since = date.today() - timedelta(days=days)
    for scope in (_near(district, None), _near(None, state), None):
        stmt = (
            select(MandiPrice.arrival_date, sa_func.avg(MandiPrice.modal_price_paise))
            .where(sa_func.lower(MandiPrice.commodity) == commodity.lower(), col(MandiPrice.arrival_date) >= since)
            .group_by(MandiPrice.arrival_date)
            .order_by(MandiPrice.arrival_date)
        )
        if scope is not None:
            stmt = stmt.where(scope)
        points = [TrendPoint(day, round(float(avg) / 100, 2)) for day, avg in session.exec(stmt).all()]
        if points:
            return points
    return []


def record_tick(session: Session, record: PriceRecord, source: str = "demo") -> MandiPrice:
    """Write one price and tell every open dashboard after commit (the hub coalesces bursts per series)."""
    row, _ = upsert(session, record, source)
    previous = session.exec(
        select(MandiPrice.modal_price_paise)
        .where(
            MandiPrice.market == record.market,
            MandiPrice.commodity == record.commodity,
            MandiPrice.variety == record.variety,
            col(MandiPrice.arrival_date) < record.arrival_date,
        )
        .order_by(col(MandiPrice.arrival_date).desc())
        .limit(1)
    ).first()
    change = record.modal_price_paise - previous if previous is not None else None
    tick = PriceTick(  # kept two hours (PriceTick.ttl): older ticks are history, not news
        commodity=record.commodity,
        variety=record.variety,
        market=record.market,
        district=record.district,
        state=record.state,
        arrival_date=record.arrival_date.isoformat(),
        min_paise=record.min_price_paise,
        max_paise=record.max_price_paise,
        modal_paise=record.modal_price_paise,
        change_paise=change,
        direction=_direction(change),
    )
    send_on_commit(session, ALL, tick)
    return row
