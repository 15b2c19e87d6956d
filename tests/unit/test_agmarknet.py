"""The Agmarknet pull against a local stand-in that speaks data.gov.in's resource API (key, paging, JSON)."""

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.services.feeds import agmarknet
from kisaan_app.services.feeds.agmarknet import RESOURCE, AgmarknetError, fetch_records, pull

KEY = "579b464db66ec23bdd000001test"


def _record(day: date, market: str, modal: int, state: str = "Maharashtra") -> dict:
    return {
        "state": state,
        "district": "Nashik",
        "market": market,
        "commodity": "Onion",
        "variety": "Red",
        "grade": "FAQ",
        "arrival_date": day.strftime("%d/%m/%Y"),
        "min_price": str(modal - 300),
        "max_price": str(modal + 300),
        "modal_price": str(modal),
    }


@pytest.fixture
def data_gov_in(monkeypatch):
    today = date.today()
    rows = [_record(today - timedelta(days=1), f"Market {i}", 2000 + i) for i in range(5)]
    rows += [_record(today, "Lasalgaon", 2500), _record(today, "Bad", 2500) | {"modal_price": "NR"}]
    rows += [_record(today, "Indore", 2600, state="Madhya Pradesh")]
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            requests.append(query)
            if url.path != f"/resource/{RESOURCE}":
                return self._send(404, {"message": "not found"})
            if query.get("api-key") != KEY:
                return self._send(403, {"status": "error", "message": "Invalid API key"})
            chosen = [r for r in rows if r["state"] == query.get("filters[state]", r["state"])]
            offset, limit = int(query["offset"]), int(query["limit"])
            page = chosen[offset : offset + limit]
            self._send(200, {"total": len(chosen), "count": len(page), "records": page})

        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(agmarknet, "PAGE_SIZE", 3)  # exercise paging on a small table
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_pull_pages_through_stores_rows_and_sends_todays_live(db, data_gov_in):
    base, requests = data_gov_in
    with session_scope() as session:
        report = pull(session, fetch_records(KEY, base, ["Maharashtra"]))
    assert (report.inserted, report.updated, [e.line for e in report.skipped]) == (6, 0, [7])
    assert [int(r["offset"]) for r in requests] == [0, 3, 6]
    assert all(r["filters[state]"] == "Maharashtra" and r["format"] == "json" for r in requests)
    with session_scope() as session:
        assert len(session.exec(select(MandiPrice)).all()) == 6
        live = session.exec(select(RealTimeEvent)).all()
    assert [e.payload["market"] for e in live] == ["Lasalgaon"]  # only today's row went out live

    with session_scope() as session:  # the next pull updates instead of duplicating
        again = pull(session, fetch_records(KEY, base, ["Maharashtra"]))
    assert again.updated == 5 and again.inserted == 1


def test_a_bad_key_is_a_clear_error(db, data_gov_in):
    base, _ = data_gov_in
    with pytest.raises(AgmarknetError, match="HTTP 403"):
        list(fetch_records("wrong-key", base))
