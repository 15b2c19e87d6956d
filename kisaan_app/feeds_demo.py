"""Demo price ticks: without an Agmarknet API key the local run moves a few real series a little, so a
dashboard is visibly alive. Each tick is a real price row plus a live event, like a real feed update."""

import random
from datetime import date

from sqlmodel import Session, col, func, select

from kisaan_app.models.feeds import MandiPrice
from kisaan_app.services.price_board import record_tick
from kisaan_app.services.prices import PriceRecord


def tick(session: Session, rng: random.Random, series: int = 3) -> int:
    """Move `series` random market series by a small step (min/max follow); returns how many moved."""
    latest_day = session.exec(select(func.max(MandiPrice.arrival_date))).one()
    if latest_day is None:
        return 0
    rows = session.exec(select(MandiPrice).where(col(MandiPrice.arrival_date) == latest_day)).all()
    moved = 0
    for row in rng.sample(list(rows), min(series, len(rows))):
        step = 1 + rng.gauss(0, 0.012)
        modal = max(100, round(row.modal_price_paise * step, -2))
        low = min(modal, round(row.min_price_paise * step, -2))
        high = max(modal, round(row.max_price_paise * step, -2))
        record = PriceRecord(row.state, row.district, row.market, row.commodity, row.variety, row.grade,
                             max(latest_day, date.today()), low, high, modal)  # fmt: skip
        record_tick(session, record, source="demo")
        moved += 1
    return moved
