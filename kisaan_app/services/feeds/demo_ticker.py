"""Demo price ticks: without an Agmarknet API key the local run nudges a few real market series, so an open
dashboard is visibly alive. Each tick is a real price row for today plus a live event, like a feed update.

Every series stays eligible: we pick among the newest row of *each* series (not among the rows of the newest
day, which after the first tick of a day would be only the series already ticked). Steps are small and pulled
back towards the previous trading day's modal, so hundreds of ticks a day still look like one mandi day.
"""

import random
from datetime import date, timedelta

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from kisaan_app.models.feeds import MandiPrice
from kisaan_app.services.feeds.price_board import record_tick
from kisaan_app.services.feeds.prices import PriceRecord, previous_modal_paise

LOOKBACK_DAYS = 7  # a series silent for a week is not one to animate
TICK_VOLATILITY = {"Tomato": 0.012, "Onion": 0.008, "Potato": 0.006, "Garlic": 0.008}
DEFAULT_VOLATILITY = 0.003  # grains, pulses, oilseeds and cotton barely move within a day
REVERSION = 0.25  # share of the gap to the previous day's modal closed on each tick
_SERIES = ("state", "district", "market", "commodity", "variety", "grade")


def latest_per_series(session: Session, since: date) -> list[MandiPrice]:
    """The newest row of every series (state, district, market, commodity, variety, grade) since `since`."""
    keys = [getattr(MandiPrice, name) for name in _SERIES]
    newest = (
        select(*keys, func.max(MandiPrice.arrival_date).label("day"))
        .where(col(MandiPrice.arrival_date) >= since)
        .group_by(*keys)
        .subquery()
    )
    on = and_(*(getattr(MandiPrice, n) == newest.c[n] for n in _SERIES), MandiPrice.arrival_date == newest.c.day)
    return list(session.exec(select(MandiPrice).join(newest, on).order_by(col(MandiPrice.id))).all())


def _step(row: MandiPrice, anchor: int | None, rng: random.Random) -> tuple[int, int, int]:
    """New (min, modal, max) in paise: modal moves by a small random step, min and max keep their spread."""
    drift = REVERSION * (anchor - row.modal_price_paise) / anchor if anchor else 0.0
    ratio = 1 + drift + rng.gauss(0, TICK_VOLATILITY.get(row.commodity, DEFAULT_VOLATILITY))

    def rupees(paise: float) -> int:  # whole rupees, as mandis quote; int, or a float reaches the JSON
        return int(round(paise, -2))

    modal = max(100, rupees(row.modal_price_paise * ratio))
    low = min(modal, rupees(row.min_price_paise * ratio))
    high = max(modal, rupees(row.max_price_paise * ratio))
    return max(0, low), modal, high


def tick(session: Session, rng: random.Random, series: int = 3, today: date | None = None) -> int:
    """Move `series` random market series by a small step for today's date; returns how many moved."""
    today = today or date.today()
    rows = latest_per_series(session, today - timedelta(days=LOOKBACK_DAYS))
    moved = 0
    for row in rng.sample(rows, min(series, len(rows))):
        day = max(row.arrival_date, today)
        fields = {name: getattr(row, name) for name in _SERIES}
        anchor = previous_modal_paise(session, row.market, row.commodity, row.variety, before=day)
        low, modal, high = _step(row, anchor, rng)
        record_tick(
            session,
            PriceRecord(**fields, arrival_date=day, min_price_paise=low, max_price_paise=high, modal_price_paise=modal),
            source="demo",
        )
        moved += 1
    return moved
