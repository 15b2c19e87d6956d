"""The farm-gate QR has a REST route doing what the Orders page does: the same service call and the same checks."""

import httpx
import pytest

from kisaan_app.db import session_scope
from kisaan_app.models.market import MarketOrder, QRSession
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import make_order, payment, wait_for


@pytest.fixture
def people(payments):
    org = make_org("Nashik Farmers FPO")
    buyer = make_user("buyer", name="Imran Traders")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh Patil")
    return {"buyer": buyer, "farmer": farmer}


def test_the_seller_gets_the_buyers_qr_through_the_api_and_the_buyer_pays_it(payments, people, live_api_url):
    order_id = make_order(people["buyer"].id, people["farmer"].id, 180_000)
    client = httpx.Client(base_url=live_api_url, timeout=15)
    url = f"/api/market/orders/{order_id}/farm-gate-qr"
    farmer = bearer(token_for(people["farmer"]))

    first = client.post(url, headers=farmer)
    assert first.status_code == 201, first.text
    shown = first.json()
    assert shown["amount_paise"] == 180_000 and shown["upi_payload"].startswith("upi://")
    assert shown["image_url"] == f"/api/payment/qr/{shown['qr_id']}.png"
    assert payment(shown["receipt"]).payer_id == people["buyer"].id  # the buyer still owes it
    again = client.post(url, headers=farmer)  # a second tap reuses the open payment and its QR
    assert again.status_code == 201 and again.json()["qr_id"] == shown["qr_id"]
    with session_scope() as session:
        assert len(session.exec(QRSession.__table__.select()).all()) == 1

    # The buyer is not the seller's side; another farmer is nobody here; nobody signed in is refused.
    assert client.post(url, headers=bearer(token_for(people["buyer"]))).status_code == 403
    stranger = bearer(token_for(make_user("farmer", name="Another farmer")))
    assert client.post(url, headers=stranger).json()["error"]["code"] in ("order_not_found", "not_found")
    assert client.post(url).status_code == 401
    assert client.post("/api/market/orders/999999/farm-gate-qr", headers=farmer).status_code == 404

    assert httpx.post(f"{payments.config.url}/sandbox/qr/{shown['qr_id']}/credit", timeout=10).status_code == 200
    wait_for(lambda: payment(shown["receipt"]).status == "captured")
    with session_scope() as session:
        assert session.get(MarketOrder, order_id).status == "paid"
