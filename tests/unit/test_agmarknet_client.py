"""The data.gov.in client and the feed jobs, against a local stand-in speaking the resource API's JSON."""

import json
import random
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.services.feeds.agmarknet import RESOURCE, AgmarknetError, fetch_records, pull
from kisaan_app.services.feeds.prices import PriceRecord, upsert
from kisaan_app.settings import get_settings
from kisaan_app.tasks import feeds as feed_tasks

KEY = "579b464db66ec23bdd000001standin"
TODAY = date.today()


def _record(day: date, market: str, modal) -> dict:
    # data.gov.in sends strings, but a stand-in (or a future API version) may send numbers: both must parse.
    return {
        "state": "Maharashtra",
        "district": "Nashik",
        "market": market,
        "commodity": "Onion",
        "variety": "Red",
        "grade": "FAQ",
        "arrival_date": day.strftime("%d/%m/%Y"),
        "min_price": modal - 300,
        "max_price": modal + 300,
        "modal_price": modal,
    }


@pytest.fixture
def stand_in():
    """A data.gov.in look-alike: `answers` maps a path to (status, body bytes) or serves the record list."""
    records = [_record(TODAY - timedelta(days=1), "Pimpalgaon", 2350), _record(TODAY, "Lasalgaon", 2412.5)]
    answers: dict[str, tuple[int, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path in answers:
                status, body = answers[url.path]
            elif query.get("api-key") != KEY:
                status, body = 403, b'{"status":"error","message":"Key not authorised"}'
            else:
                offset, limit = int(query["offset"]), int(query["limit"])
                page = records[offset : offset + limit]
                status, body = 200, json.dumps({"total": len(records), "count": len(page), "records": page}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answers
    server.shutdown()
    server.server_close()


def test_numbers_in_records_parse_and_todays_row_goes_live(db, stand_in):
    base, _ = stand_in
    with session_scope() as session:
        report = pull(session, fetch_records(KEY, base + "/"))  # a trailing slash in the setting is fine
    assert (report.inserted, report.skipped) == (2, [])
    with session_scope() as session:
        modal = session.exec(select(MandiPrice.modal_price_paise).where(MandiPrice.market == "Lasalgaon")).one()
        [event] = session.exec(select(RealTimeEvent)).all()
    assert modal == 241250 and event.payload["market"] == "Lasalgaon"


@pytest.mark.parametrize(
    ("status", "body", "match"),
    [
        (200, b"<html>maintenance</html>", "unexpected answer"),
        (200, b'{"message": "no records"}', "unexpected"),
        (429, b"quota exceeded", "HTTP 429"),
    ],
)
def test_answers_that_are_not_records_are_a_clear_error(stand_in, status, body, match):
    base, answers = stand_in
    answers[f"/resource/{RESOURCE}"] = (status, body)
    with pytest.raises(AgmarknetError, match=match):
        list(fetch_records(KEY, base))


@pytest.fixture
def agmarknet_settings(monkeypatch):
    def use(key: str | None, base: str = "http://127.0.0.1:9") -> None:
        for name, value in (("KISAAN_AGMARKNET_API_KEY", key), ("KISAAN_AGMARKNET_BASE_URL", base)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_pull_job_runs_only_with_a_key(db, stand_in, agmarknet_settings):
    base, _ = stand_in
    agmarknet_settings(None, base)
    assert feed_tasks.pull_agmarknet.call_local() == 0
    agmarknet_settings(KEY, base)
    assert feed_tasks.pull_agmarknet.call_local() == 2
    with session_scope() as session:
        assert len(session.exec(select(MandiPrice)).all()) == 2


def test_demo_ticks_are_scheduled_only_without_a_key(db, agmarknet_settings, monkeypatch):
    scheduled = []
    monkeypatch.setattr(feed_tasks.demo_price_tick, "schedule", lambda **kw: scheduled.append(kw["delay"]))
    agmarknet_settings(KEY)
    assert feed_tasks.schedule_demo_ticks.call_local() == 0 and scheduled == []
    agmarknet_settings(None)
    assert feed_tasks.schedule_demo_ticks.call_local() == 4 and scheduled == [0, 15, 30, 45]
    with session_scope() as session:  # one tick moves real rows
        upsert(
            session,
            PriceRecord(
                "Punjab",
                "Ludhiana",
                "Khanna",
                "Wheat",
                "PBW 343",
                "FAQ",
                TODAY - timedelta(days=1),
                240000,
                245000,
                242500,
            ),
        )
    monkeypatch.setattr(feed_tasks, "_rng", random.Random(5))
    assert feed_tasks.demo_price_tick.call_local() == 1
