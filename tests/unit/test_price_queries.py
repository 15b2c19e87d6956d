"""The price board's queries and live ticks: nearness, change and direction, trend scope, demo ticker."""

import random
from datetime import date, timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import ALL
from kisaan_app.services.feeds import price_board, prices
from kisaan_app.services.feeds.demo_ticker import latest_per_series, tick
from kisaan_app.services.feeds.prices import PriceRecord

TODAY = date.today()


def _put(state, district, market, commodity, day, modal_rupees, variety="Red") -> None:
    modal = modal_rupees * 100
    with session_scope() as session:
        prices.upsert(
            session,
            PriceRecord(state, district, market, commodity, variety, "FAQ", day, modal - 10000, modal + 10000, modal),
        )


def test_board_lists_the_district_first_then_the_state_never_elsewhere(db):
    _put("Maharashtra", "Pune", "Pune", "Onion", TODAY, 2500)
    _put("Maharashtra", "Nashik", "Pimpalgaon", "Onion", TODAY, 2350)
    _put("Maharashtra", "Nashik", "Lasalgaon", "Onion", TODAY, 2400)
    _put("Maharashtra", "Nashik", "Lasalgaon", "Tomato", TODAY, 1500, variety="Hybrid")
    _put("Karnataka", "Kolar", "Kolar", "Tomato", TODAY, 1200, variety="Hybrid")
    _put("Maharashtra", "Nashik", "Lasalgaon", "Wheat", TODAY, 2700)  # not one of the farmer's crops
    with session_scope() as session:
        rows = price_board.latest_prices(session, ["Tomato", "onion"], "nashik", "MAHARASHTRA")
    # District rows before state rows; within each, the farmer's crop order, then market.
    assert [(r.district, r.commodity, r.market) for r in rows] == [
        ("Nashik", "Tomato", "Lasalgaon"),
        ("Nashik", "Onion", "Lasalgaon"),
        ("Nashik", "Onion", "Pimpalgaon"),
        ("Pune", "Onion", "Pune"),
    ]
    with session_scope() as session:
        assert price_board.latest_prices(session, [], "Nashik", None) == []
        assert len(price_board.latest_prices(session, ["Onion", "Tomato"], "Nashik", "Maharashtra", limit=2)) == 2


def test_change_is_against_the_previous_trading_day_in_each_direction(db):
    for market, before, latest in (("Up", 2000, 2100), ("Down", 2000, 1950), ("Same", 2000, 2000)):
        _put("Maharashtra", "Nashik", market, "Onion", TODAY - timedelta(days=9), 1000)  # older: ignored
        _put("Maharashtra", "Nashik", market, "Onion", TODAY - timedelta(days=2), before)  # Sunday gap between
        _put("Maharashtra", "Nashik", market, "Onion", TODAY, latest)
    _put("Maharashtra", "Nashik", "New", "Onion", TODAY, 2200)  # first day on record
    with session_scope() as session:
        rows = {r.market: r for r in price_board.latest_prices(session, ["Onion"], "Nashik", None)}
    assert {m: (r.change_paise, r.direction) for m, r in rows.items()} == {
        "Down": (-5000, "down"),
        "New": (None, None),
        "Same": (0, "same"),
        "Up": (10000, "up"),
    }
    assert all(r.arrival_date == TODAY for r in rows.values())


def test_trend_averages_markets_in_the_district_and_falls_back_to_the_state(db):
    for offset, (a, b) in enumerate([(2000, 2200), (2100, 2300), (2400, 2400)]):
        day = TODAY - timedelta(days=2 - offset)
        _put("Maharashtra", "Nashik", "Lasalgaon", "Onion", day, a)
        _put("Maharashtra", "Nashik", "Pimpalgaon", "Onion", day, b)
    _put("Maharashtra", "Pune", "Pune", "Onion", TODAY, 9000)  # another district: not in Nashik's average
    _put("Maharashtra", "Nashik", "Lasalgaon", "Onion", TODAY - timedelta(days=40), 100)  # outside 30 days
    with session_scope() as session:
        nashik = price_board.price_trend(session, "onion", "Nashik", "Maharashtra")
        satara = price_board.price_trend(session, "Onion", "Satara", "Maharashtra")  # no market there
        short = price_board.price_trend(session, "Onion", "Nashik", None, days=1)
    assert [(p.date, p.modal_rupees) for p in nashik] == [
        (TODAY - timedelta(days=2), 2100.0),
        (TODAY - timedelta(days=1), 2200.0),
        (TODAY, 2400.0),
    ]
    assert satara[-1].modal_rupees == round((2400 + 2400 + 9000) / 3, 2)
    assert [p.date for p in short] == [TODAY - timedelta(days=1), TODAY]


def test_commodities_lists_each_once_alphabetically(db):
    _put("Maharashtra", "Nashik", "Lasalgaon", "Onion", TODAY, 2400)
    _put("Maharashtra", "Nashik", "Pimpalgaon", "Onion", TODAY, 2400)
    _put("Punjab", "Ludhiana", "Khanna", "Wheat", TODAY, 2425)
    _put("Karnataka", "Kolar", "Kolar", "Tomato", TODAY, 1200)
    with session_scope() as session:
        assert prices.commodities(session) == ["Onion", "Tomato", "Wheat"]


def test_a_tick_is_stored_and_announced_to_everyone_with_a_compact_payload(db):
    _put("Maharashtra", "Nashik", "Lasalgaon", "Onion", TODAY - timedelta(days=1), 2400)
    record = PriceRecord("Maharashtra", "Nashik", "Lasalgaon", "Onion", "Red", "FAQ", TODAY, 230000, 260000, 245000)
    with session_scope() as session:
        price_board.record_tick(session, record, source="api")
    with session_scope() as session:
        [event] = session.exec(select(RealTimeEvent)).all()
    assert (event.target, event.topic) == (ALL, "price")
    assert event.payload | {"arrival_date": None} == {
        "commodity": "Onion",
        "variety": "Red",
        "market": "Lasalgaon",
        "district": "Nashik",
        "state": "Maharashtra",
        "arrival_date": None,
        "min_paise": 230000,
        "max_paise": 260000,
        "modal_paise": 245000,
        "change_paise": 5000,
        "direction": "up",
    }
    assert event.payload["arrival_date"] == TODAY.isoformat()


def test_demo_ticker_keeps_every_series_alive_with_small_consistent_steps(db):
    # Two series, both last traded yesterday. A ticker that sampled only "rows of the newest day" would,
    # after its first tick, only ever move the one series it had already moved today.
    _put("Maharashtra", "Nashik", "Lasalgaon", "Onion", TODAY - timedelta(days=1), 2400)
    _put("Punjab", "Ludhiana", "Khanna", "Wheat", TODAY - timedelta(days=1), 2425)
    _put("Punjab", "Ludhiana", "Old", "Wheat", TODAY - timedelta(days=20), 2425)  # silent for weeks: left alone
    rng = random.Random(3)
    with session_scope() as session:
        moved = sum(tick(session, rng, series=1) for _ in range(40))
    assert moved == 40
    with session_scope() as session:
        today_rows = session.exec(select(MandiPrice).where(MandiPrice.arrival_date == TODAY)).all()
        events = session.exec(select(RealTimeEvent)).all()
        latest = latest_per_series(session, TODAY - timedelta(days=7))
    assert sorted(r.market for r in today_rows) == ["Khanna", "Lasalgaon"] and len(events) == 40
    assert all(type(e.payload[k]) is int for e in events for k in ("min_paise", "max_paise", "modal_paise"))
    assert {r.market for r in latest} == {"Khanna", "Lasalgaon"}
    for row in today_rows:
        start = 240000 if row.market == "Lasalgaon" else 242500
        assert row.min_price_paise <= row.modal_price_paise <= row.max_price_paise
        assert row.modal_price_paise % 100 == 0  # whole rupees, as mandis quote
        assert abs(row.modal_price_paise - start) / start < 0.08  # pulled back towards yesterday's price
        assert row.source == "demo"


def test_demo_ticker_without_prices_does_nothing(db):
    with session_scope() as session:
        assert tick(session, random.Random(1)) == 0
