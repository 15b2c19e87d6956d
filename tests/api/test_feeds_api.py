"""/api/prices and /api/weather: who may read and write, and what a bad file or row gets back."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from tests.factories import bearer, make_user, token_for

TICK = {
    "state": "Maharashtra",
    "district": "Nashik",
    "market": "Lasalgaon",
    "commodity": "Onion",
    "variety": "Red",
    "min_price": 2000,
    "max_price": 2600,
    "modal_price": 2400.5,
}


def test_price_board_needs_a_signed_in_reader(api):
    assert api.get("/api/prices", params={"commodity": "Onion"}).status_code == 401


def test_admin_posts_a_tick_and_farmers_read_it(api):
    admin, farmer = make_user("admin"), make_user("farmer")
    assert api.post("/api/prices/ticks", json=TICK, headers=bearer(token_for(farmer))).status_code == 403
    created = api.post("/api/prices/ticks", json=TICK, headers=bearer(token_for(admin)))
    assert created.status_code == 201 and created.json()["modal_price_paise"] == 240050
    bad = api.post("/api/prices/ticks", json=TICK | {"min_price": 3000}, headers=bearer(token_for(admin)))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "price_row"
    board = api.get(
        "/api/prices", params={"commodity": "onion", "district": "Nashik"}, headers=bearer(token_for(farmer))
    )
    assert [r["market"] for r in board.json()] == ["Lasalgaon"]
    trend = api.get("/api/prices/trend", params={"commodity": "Onion"}, headers=bearer(token_for(farmer)))
    assert trend.json() == [{"date": date.today().isoformat(), "modal_rupees": 2400.5}]


def test_csv_upload_reports_bad_rows_and_keeps_good_ones(api):
    admin = make_user("admin")
    day = date.today().strftime("%d/%m/%Y")
    csv_text = (
        "State,District,Market,Commodity,Variety,Grade,Arrival_Date,Min Price,Max Price,Modal Price\n"
        f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{day},2000,2600,2400\n"
        f"Maharashtra,Nashik,Lasalgaon,Tomato,Local,FAQ,{day},900,800,850\n"
    )
    res = api.post(
        "/api/prices/import", files={"file": ("prices.csv", csv_text, "text/csv")}, headers=bearer(token_for(admin))
    )
    assert res.status_code == 200
    assert res.json()["inserted"] == 1 and res.json()["skipped"][0]["line"] == 3
    no_columns = api.post(
        "/api/prices/import", files={"file": ("x.csv", "a,b\n1,2\n", "text/csv")}, headers=bearer(token_for(admin))
    )
    assert no_columns.status_code == 422 and no_columns.json()["error"]["code"] == "csv_missing_columns"
    with session_scope() as session:
        assert [p.commodity for p in session.exec(select(MandiPrice)).all()] == ["Onion"]


def test_weather_alerts_api(api):
    admin, farmer = make_user("admin"), make_user("farmer", district="Nashik")
    now = datetime.now(UTC)
    body = {
        "district": "Nashik",
        "state": "Maharashtra",
        "severity": "orange",
        "title": "Hailstorm",
        "message": "Cover the nursery beds",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=6)).isoformat(),
    }
    assert api.post("/api/weather/alerts", json=body, headers=bearer(token_for(farmer))).status_code == 403
    created = api.post("/api/weather/alerts", json=body, headers=bearer(token_for(admin)))
    assert created.status_code == 201
    past = body | {"valid_until": (now - timedelta(hours=1)).isoformat()}
    assert api.post("/api/weather/alerts", json=past, headers=bearer(token_for(admin))).status_code == 422
    listed = api.get("/api/weather/alerts", params={"district": "nashik"}, headers=bearer(token_for(farmer)))
    assert [a["title"] for a in listed.json()] == ["Hailstorm"]


def test_alert_times_without_a_zone_are_a_422_not_a_crash(api):
    admin = make_user("admin")
    body = {
        "district": "Nashik",
        "severity": "red",
        "title": "Cyclone",
        "message": "Stay indoors",
        "valid_from": "2026-11-22T10:00:00",
        "valid_until": "2099-11-22T16:00:00",
    }
    res = api.post("/api/weather/alerts", json=body, headers=bearer(token_for(admin)))
    assert res.status_code == 422 and res.json()["error"]["code"] == "invalid_request"
    assert res.json()["error"]["field"] == "valid_from"


def test_cancelling_an_alert_over_the_api(api):
    admin, farmer = make_user("admin"), make_user("farmer", district="Nashik")
    now = datetime.now(UTC)
    body = {
        "district": "Nashik",
        "severity": "red",
        "title": "Cyclone",
        "message": "Stay indoors",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=6)).isoformat(),
    }
    alert_id = api.post("/api/weather/alerts", json=body, headers=bearer(token_for(admin))).json()["id"]
    url = f"/api/weather/alerts/{alert_id}"
    assert api.delete(url, headers=bearer(token_for(farmer))).status_code == 403
    assert api.delete(url, headers=bearer(token_for(admin))).status_code == 204
    assert api.delete(url, headers=bearer(token_for(admin))).status_code == 204  # already withdrawn: same answer
    assert api.delete("/api/weather/alerts/999999", headers=bearer(token_for(admin))).status_code == 404
    listed = api.get("/api/weather/alerts", params={"district": "Nashik"}, headers=bearer(token_for(farmer)))
    assert listed.json() == []


def test_an_old_dated_tick_answers_with_the_row_it_wrote(api):
    admin = make_user("admin")
    old = (date.today() - timedelta(days=90)).isoformat()  # older than the board shows
    res = api.post("/api/prices/ticks", json=TICK | {"arrival_date": old}, headers=bearer(token_for(admin)))
    assert res.status_code == 201
    assert (res.json()["arrival_date"], res.json()["change_paise"], res.json()["direction"]) == (old, None, None)
    newer = api.post("/api/prices/ticks", json=TICK | {"modal_price": 2300}, headers=bearer(token_for(admin)))
    assert (newer.json()["change_paise"], newer.json()["direction"]) == (230000 - 240050, "down")


def test_commodities_and_csv_edge_cases(api):
    admin, farmer = make_user("admin"), make_user("farmer")
    assert api.get("/api/prices/commodities").status_code == 401
    day = date.today().strftime("%d/%m/%Y")
    csv_text = (
        "State,District,Market,Commodity,Arrival_Date,Min_x0020_Price,Max_x0020_Price,Modal_x0020_Price\n"
        f"Punjab,Ludhiana,Khanna,Wheat,{day},2400,2450,2425\n"
        f"Punjab,Ludhiana,Ludhiana,Wheat,{day},2400,2450,nan\n"
    )
    upload = {"file": ("prices.csv", csv_text.encode("utf-8-sig"), "text/csv")}
    assert api.post("/api/prices/import", files=upload, headers=bearer(token_for(farmer))).status_code == 403
    res = api.post("/api/prices/import", files=upload, headers=bearer(token_for(admin)))
    assert res.status_code == 200
    assert res.json() == {
        "inserted": 1,
        "updated": 0,
        "skipped": [{"line": 3, "message": "modal_price is not a number: 'nan'"}],
    }
    latin = {"file": ("prices.csv", "State\nS\xe3o Paulo\n".encode("latin-1"), "text/csv")}
    bad = api.post("/api/prices/import", files=latin, headers=bearer(token_for(admin)))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "csv_not_utf8"
    listed = api.get("/api/prices/commodities", headers=bearer(token_for(farmer)))
    assert listed.json() == ["Wheat"]


def test_sensor_reading_with_a_bad_key_is_401(api):
    res = api.post(
        "/api/crop-health/readings",
        json={"metric": "soil_moisture_pct", "value": 5},
        headers={"X-Device-Key": "ks_not-a-key"},
    )
    assert res.status_code == 401 and res.json()["error"]["code"] == "bad_device_key"
