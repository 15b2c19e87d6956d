"""/api/prices and /api/weather: who may read and write, and what a bad file or row gets back."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from tests.factories import bearer, make_user, token_for

TICK = {"state": "Maharashtra", "district": "Nashik", "market": "Lasalgaon", "commodity": "Onion",
        "variety": "Red", "min_price": 2000, "max_price": 2600, "modal_price": 2400.5}  # fmt: skip


def test_price_board_needs_a_signed_in_reader(api):
    assert api.get("/api/prices", params={"commodity": "Onion"}).status_code == 401


def test_admin_posts_a_tick_and_farmers_read_it(api):
    admin, farmer = make_user("admin"), make_user("farmer")
    assert api.post("/api/prices/ticks", json=TICK, headers=bearer(token_for(farmer))).status_code == 403
    created = api.post("/api/prices/ticks", json=TICK, headers=bearer(token_for(admin)))
    assert created.status_code == 201 and created.json()["modal_price_paise"] == 240050
    bad = api.post("/api/prices/ticks", json=TICK | {"min_price": 3000}, headers=bearer(token_for(admin)))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "price_row"
    board = api.get("/api/prices", params={"commodity": "onion", "district": "Nashik"},
                    headers=bearer(token_for(farmer)))  # fmt: skip
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
    res = api.post("/api/prices/import", files={"file": ("prices.csv", csv_text, "text/csv")},
                   headers=bearer(token_for(admin)))  # fmt: skip
    assert res.status_code == 200
    assert res.json()["inserted"] == 1 and res.json()["skipped"][0]["line"] == 3
    no_columns = api.post("/api/prices/import", files={"file": ("x.csv", "a,b\n1,2\n", "text/csv")},
                          headers=bearer(token_for(admin)))  # fmt: skip
    assert no_columns.status_code == 422 and no_columns.json()["error"]["code"] == "csv_missing_columns"
    with session_scope() as session:
        assert [p.commodity for p in session.exec(select(MandiPrice)).all()] == ["Onion"]


def test_weather_alerts_api(api):
    admin, farmer = make_user("admin"), make_user("farmer", district="Nashik")
    now = datetime.now(UTC)
    body = {"district": "Nashik", "state": "Maharashtra", "severity": "orange", "title": "Hailstorm",
            "message": "Cover the nursery beds", "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(hours=6)).isoformat()}  # fmt: skip
    assert api.post("/api/weather/alerts", json=body, headers=bearer(token_for(farmer))).status_code == 403
    created = api.post("/api/weather/alerts", json=body, headers=bearer(token_for(admin)))
    assert created.status_code == 201
    past = body | {"valid_until": (now - timedelta(hours=1)).isoformat()}
    assert api.post("/api/weather/alerts", json=past, headers=bearer(token_for(admin))).status_code == 422
    listed = api.get("/api/weather/alerts", params={"district": "nashik"}, headers=bearer(token_for(farmer)))
    assert [a["title"] for a in listed.json()] == ["Hailstorm"]
