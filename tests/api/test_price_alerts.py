"""Price alerts on both databases: rules checked (REST, in the reader's words), evaluated on every tick and
import, fired once per rule per day through notify(), and only the farmer's own."""

import io
from datetime import timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.feeds import price_alerts, price_board, prices
from kisaan_app.services.feeds.prices import PriceRecord
from tests.factories import bearer, make_user, token_for

ONION = {"commodity": "onion", "kind": "above", "market": "Lasalgaon", "threshold_paise": 250_000}


def tick(modal: int, days_ago: int = 0, market: str = "Lasalgaon") -> None:
    record = PriceRecord(
        state="Maharashtra",
        district="Nashik",
        market=market,
        commodity="Onion",
        variety="Red",
        grade="FAQ",
        arrival_date=price_alerts.today_in_india() - timedelta(days=days_ago),
        min_price_paise=modal - 10_000,
        max_price_paise=modal + 10_000,
        modal_price_paise=modal,
    )
    with session_scope() as session:
        price_board.record_tick(session, record)


def alerts_for(user_id: int) -> list[str]:
    with session_scope() as session:
        rows = session.exec(
            select(NotificationHistory.body).where(
                NotificationHistory.user_id == user_id,
                NotificationHistory.category == "market",
                NotificationHistory.channel == "in_app",
            )
        ).all()
    return list(rows)


def test_rules_are_checked_and_only_the_farmers_own(api):
    farmer, other = make_user("farmer"), make_user("farmer")
    headers = bearer(token_for(farmer))
    for body, code in (
        ({**ONION, "threshold_paise": 0}, "price_alert_price"),
        ({**ONION, "district": "Nashik"}, "price_alert_place"),  # a market or a district, not both
        ({**ONION, "kind": "move", "threshold_paise": None, "move_percent": 0}, "price_alert_percent"),
        ({**ONION, "commodity": " "}, "price_alert_crop"),
    ):
        answer = api.post("/api/price-alerts", json=body, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code, answer.text
    hindi = api.post(
        "/api/price-alerts", json={**ONION, "threshold_paise": -5}, headers={**headers, "Accept-Language": "hi"}
    )
    assert "रुपये" in hindi.json()["error"]["message"]
    made = api.post("/api/price-alerts", json=ONION, headers=headers)
    assert made.status_code == 201 and made.json()["commodity"] == "Onion"
    assert [r["id"] for r in api.get("/api/price-alerts", headers=headers).json()] == [made.json()["id"]]
    rule = made.json()["id"]
    theirs = bearer(token_for(other))
    assert api.get("/api/price-alerts", headers=theirs).json() == []
    assert api.delete(f"/api/price-alerts/{rule}", headers=theirs).status_code == 404
    buyer = bearer(token_for(make_user("buyer")))
    assert api.post("/api/price-alerts", json=ONION, headers=buyer).status_code == 403
    assert api.delete(f"/api/price-alerts/{rule}", headers=headers).status_code == 204
    assert api.get("/api/price-alerts", headers=headers).json() == []


def test_a_tick_fires_a_matching_rule_once_a_day(api):
    farmer, bystander = make_user("farmer"), make_user("farmer")
    headers = bearer(token_for(farmer))
    api.post("/api/price-alerts", json=ONION, headers=headers)
    api.post("/api/price-alerts", json={**ONION, "kind": "below", "threshold_paise": 150_000}, headers=headers)
    move = {"commodity": "Onion", "kind": "move", "district": "nashik", "move_percent": 10}
    api.post("/api/price-alerts", json=move, headers=headers)
    api.post("/api/price-alerts", json={**ONION, "market": "Pimpalgaon"}, headers=bearer(token_for(bystander)))

    tick(200_000, days_ago=1)  # yesterday, under every line: nothing (and no earlier day to move from)
    assert alerts_for(farmer.id) == []
    tick(260_000)  # today: above ₹2,500 and a 30 % move in a day
    first = alerts_for(farmer.id)
    assert len(first) == 2 and any("₹2,600" in body for body in first)
    tick(270_000)  # the same day again: each rule has had its say today
    tick(140_000)  # ... but "below" has not fired yet today
    assert len(alerts_for(farmer.id)) == 3
    assert alerts_for(bystander.id) == []  # another market
    rules = api.get("/api/price-alerts", headers=headers).json()
    assert {r["last_fired_on"] for r in rules} == {price_alerts.today_in_india().isoformat()}


def test_an_import_alerts_on_fresh_prices_only(api):
    farmer = make_user("farmer")
    api.post("/api/price-alerts", json=ONION, headers=bearer(token_for(farmer)))
    today = price_alerts.today_in_india()
    header = (
        "State,District,Market,Commodity,Variety,Grade,Arrival_Date,Min_x0020_Price,Max_x0020_Price,Modal_x0020_Price"
    )
    old = (today - timedelta(days=30)).strftime("%d/%m/%Y")
    csv = f"{header}\nMaharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{old},2900,3100,3000\n"
    with session_scope() as session:
        assert prices.import_csv(session, io.StringIO(csv)).inserted == 1
    assert alerts_for(farmer.id) == []  # a month-old price alerts nobody
    fresh = csv.replace(old, today.strftime("%d/%m/%Y"))
    with session_scope() as session:
        prices.import_csv(session, io.StringIO(fresh))
    assert len(alerts_for(farmer.id)) == 1
