"""Marketplace integrity (issue 10): exact quantities, enforced expiry, a cap on unpaid orders. SQLite and
PostgreSQL, through the API."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.services.market.listings import expire_listings
from kisaan_app.settings import get_settings
from tests.factories import bearer, make_org, make_user, token_for

LISTING = {
    "crop": "onion",
    "quantity": 1,
    "unit": "quintal",
    "price_paise": 200_000,
    "district": "nashik",
    "state": "Maharashtra",
}


@pytest.fixture
def seller(api):
    farmer = make_user("farmer", org_id=make_org("Lasalgaon FPO"), district="Nashik", name="Sunita")
    return bearer(token_for(farmer))


def _listing(api, headers, **changes) -> dict:
    answer = api.post("/api/market/listings", json={**LISTING, **changes}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _bid(api, listing_id: int, headers, quantity: float, price: int = 190_000):
    return api.post(
        f"/api/market/listings/{listing_id}/bids", json={"quantity": quantity, "price_paise": price}, headers=headers
    )


def _buyer() -> dict:
    return bearer(token_for(make_user("buyer")))


def test_ten_sales_of_a_tenth_leave_exactly_nothing_and_the_listing_sold(api, seller):
    listing = _listing(api, seller)
    for _ in range(10):
        bid = _bid(api, listing["id"], _buyer(), 0.1)
        assert bid.status_code == 201, bid.text
        accepted = api.post(f"/api/market/bids/{bid.json()['bid']['id']}/accept", headers=seller)
        assert accepted.status_code == 201, accepted.text
    with session_scope() as session:
        row = session.get(Listing, listing["id"])
        assert (row.quantity_remaining, row.status) == (0, "sold")
        sold = session.exec(select(func.sum(MarketOrder.quantity)).where(MarketOrder.listing_id == row.id)).one()
        assert sold == 1.0  # exactly: integer thousandths in the database, not 0.9999999999999999
        amounts = session.exec(select(MarketOrder.amount_paise).where(MarketOrder.listing_id == row.id)).all()
        assert amounts == [19_000] * 10


def test_racing_buyers_for_fractions_never_oversell(api, seller):
    listing = _listing(api, seller, quantity=0.3, auto_accept_price_paise=200_000)
    buyers = [_buyer() for _ in range(8)]
    barrier = threading.Barrier(len(buyers))
    codes = []

    def buy(headers):
        barrier.wait()
        codes.append(_bid(api, listing["id"], headers, 0.1, 200_000).status_code)

    threads = [threading.Thread(target=buy, args=(h,)) for h in buyers]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    with session_scope() as session:
        row = session.get(Listing, listing["id"])
        orders = session.exec(select(MarketOrder.quantity).where(MarketOrder.listing_id == row.id)).all()
        assert len(orders) == 3 and row.quantity_remaining == 0 and row.status == "sold"
        sold = session.exec(select(func.sum(MarketOrder.quantity)).where(MarketOrder.listing_id == row.id)).one()
        assert row.quantity_remaining + sold == row.quantity  # summed in the database, exactly


def test_an_expired_listing_takes_no_bids_or_accepts_and_leaves_search(api, seller):
    listing = _listing(api, seller, quantity=5)
    buyer = _buyer()
    bid = _bid(api, listing["id"], buyer, 1).json()["bid"]
    assert api.get("/api/market/listings", params={"crop": "onion"}, headers=buyer).json()["total"] == 1
    with session_scope() as session:
        row = session.get(Listing, listing["id"])
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    assert api.get("/api/market/listings", params={"crop": "onion"}, headers=buyer).json()["total"] == 0
    late = _bid(api, listing["id"], _buyer(), 1)
    assert late.status_code == 409 and late.json()["error"]["code"] == "listing_not_open"
    accept = api.post(f"/api/market/bids/{bid['id']}/accept", headers=seller)
    assert accept.status_code == 409 and accept.json()["error"]["code"] == "listing_not_open"
    with session_scope() as session:  # the minute job then closes it, and its live bids, for good
        assert expire_listings(session) == 1
    with session_scope() as session:
        assert session.get(Listing, listing["id"]).status == "expired"
        assert session.get(Bid, bid["id"]).status == "expired"


def test_a_stale_bid_cannot_be_accepted(api, seller):
    listing = _listing(api, seller, quantity=5)
    bid = _bid(api, listing["id"], _buyer(), 1).json()["bid"]
    with session_scope() as session:
        row = session.get(Bid, bid["id"])
        assert row.expires_at is not None  # every offer carries its expiry
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    answer = api.post(f"/api/market/bids/{bid['id']}/accept", headers={**seller, "Accept-Language": "hi"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "bid_expired"
    assert "प्रस्ताव" in answer.json()["error"]["message"]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(MarketOrder)).one() == 0


def test_a_buyer_cannot_hoard_unpaid_orders_and_auto_accept_respects_it(api, seller):
    limit = get_settings().max_unpaid_orders_per_buyer
    buyer = _buyer()
    listing = _listing(api, seller, quantity=50, auto_accept_price_paise=200_000)
    for _ in range(limit):
        answer = _bid(api, listing["id"], buyer, 1, 200_000)  # auto-accepted at once: an unpaid order each
        assert answer.status_code == 201 and "order" in answer.json(), answer.text
    refused = _bid(api, listing["id"], buyer, 1, 200_000)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "too_many_unpaid_orders"
    other = _listing(api, seller, quantity=5)
    bid = _bid(api, other["id"], buyer, 1).json()["bid"]
    accept = api.post(f"/api/market/bids/{bid['id']}/accept", headers=seller)
    assert accept.status_code == 409 and accept.json()["error"]["code"] == "too_many_unpaid_orders"
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(MarketOrder)).one() == limit
        assert session.get(Listing, listing["id"]).quantity_remaining == 50 - limit
