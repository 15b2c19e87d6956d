"""The marketplace through its API: listing → bid → counter → accept → order, with every wrong move refused
with a clear 4xx, the state machines of listing, bid and order, and no quintal sold twice (PostgreSQL too)."""

import io
import threading
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.market import photos
from kisaan_app.services.market.orders import release_expired_holds
from tests.factories import bearer, make_org, make_user, token_for

LISTING = {
    "crop": "onion",
    "variety": "Red",
    "grade": "A",
    "quantity": 50,
    "unit": "quintal",
    "price_paise": 200_000,
    "district": "nashik",
    "state": "Maharashtra",
    "village": "Pimpalgaon",
}


@pytest.fixture
def market(api):
    org = make_org("Nashik Onion FPO")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh")
    buyer = make_user("buyer", name="Imran Traders")
    return {
        "org": org,
        "farmer": farmer,
        "farmer_h": bearer(token_for(farmer)),
        "buyer": buyer,
        "buyer_h": bearer(token_for(buyer)),
        "other_h": bearer(token_for(make_user("buyer", name="Other Buyer"))),
    }


def _listing(api, headers, **changes) -> dict:
    answer = api.post("/api/market/listings", json={**LISTING, **changes}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _error(answer) -> str:
    return answer.json()["error"]["code"]


def test_the_whole_negotiation_ends_in_an_order_for_both_sides(api, market):
    listing = _listing(api, market["farmer_h"])
    assert (listing["crop"], listing["district"], listing["quantity_remaining"]) == ("Onion", "Nashik", 50)
    bid = api.post(
        f"/api/market/listings/{listing['id']}/bids",
        json={"quantity": 10, "price_paise": 180_000},
        headers=market["buyer_h"],
    ).json()["bid"]
    assert bid["status"] == "open"
    # The buyer cannot accept their own offer; it is the farmer's turn.
    assert _error(api.post(f"/api/market/bids/{bid['id']}/accept", headers=market["buyer_h"])) == "not_your_turn"
    countered = api.post(
        f"/api/market/bids/{bid['id']}/counter",
        json={"price_paise": 195_000, "message": "Grade A"},
        headers=market["farmer_h"],
    )
    assert countered.json()["status"] == "countered"
    # Another buyer sees neither the bid nor its thread.
    assert api.get(f"/api/market/bids/{bid['id']}/thread", headers=market["other_h"]).status_code == 404
    assert api.get(f"/api/market/listings/{listing['id']}/bids", headers=market["other_h"]).json() == []
    order = api.post(f"/api/market/bids/{bid['id']}/accept", headers=market["buyer_h"])
    assert order.status_code == 201, order.text
    body = order.json()
    assert (body["quantity"], body["price_paise"], body["amount_paise"], body["status"]) == (
        10,
        195_000,
        1_950_000,
        "pending_payment",
    )
    thread = api.get(f"/api/market/bids/{bid['id']}/thread", headers=market["farmer_h"]).json()
    assert [t["kind"] for t in thread] == ["offer", "counter", "accept"]
    assert (
        api.get(f"/api/market/listings/{listing['id']}", headers=market["buyer_h"]).json()["quantity_remaining"] == 40
    )
    assert [o["order_number"] for o in api.get("/api/market/orders", headers=market["farmer_h"]).json()] == [
        body["order_number"]
    ]
    with session_scope() as session:
        actions = set(session.exec(select(AuditLog.action)).all())
    assert {"listing.create", "bid.place", "bid.counter", "order.create"} <= actions
    with session_scope() as session:
        told = session.exec(
            select(NotificationHistory.user_id, NotificationHistory.subject).where(
                NotificationHistory.category == "market"
            )
        ).all()
    # Each step told the side whose turn it became (the offer the farmer, the counter the buyer), the order both.
    farmer, buyer = market["farmer"].id, market["buyer"].id
    assert sorted(told) == sorted(
        [
            (farmer, "New bid on your Onion"),
            (buyer, "Counter-offer on Onion"),
            (farmer, f"Order {body['order_number']} confirmed"),
            (buyer, f"Order {body['order_number']} confirmed"),
        ]
    )


def test_bad_input_and_wrong_moves_get_clear_errors(api, market):
    assert _error(api.post("/api/market/listings", json={**LISTING, "quantity": -5}, headers=market["farmer_h"])) == (
        "invalid_request"
    )
    tonnes = api.post(
        "/api/market/listings", json={**LISTING, "unit": "tonne", "quantity": 5000}, headers=market["farmer_h"]
    )
    # The message names the limit in the listing's unit (it once read "at most , two decimals").
    assert _error(tonnes) == "quantity_too_large" and tonnes.json()["error"]["message"].endswith("at most 1,000 tonne.")
    auto = api.post(
        "/api/market/listings", json={**LISTING, "auto_accept_price_paise": 100_000}, headers=market["farmer_h"]
    )
    assert _error(auto) == "auto_accept_below_reserve"
    assert api.post("/api/market/listings", json=LISTING, headers=market["buyer_h"]).status_code == 403
    listing = _listing(api, market["farmer_h"])
    too_much = api.post(
        f"/api/market/listings/{listing['id']}/bids", json={"quantity": 60, "price_paise": 1}, headers=market["buyer_h"]
    )
    assert too_much.status_code == 422 and _error(too_much) == "quantity_over_remaining"
    farmer_bids = api.post(
        f"/api/market/listings/{listing['id']}/bids", json={"quantity": 1, "price_paise": 1}, headers=market["farmer_h"]
    )
    assert farmer_bids.status_code == 403
    bid = api.post(
        f"/api/market/listings/{listing['id']}/bids",
        json={"quantity": 5, "price_paise": 150_000},
        headers=market["buyer_h"],
    ).json()["bid"]
    # Only the bid's buyer withdraws; only the seller's side rejects or accepts an offer.
    assert api.post(f"/api/market/bids/{bid['id']}/withdraw", headers=market["other_h"]).status_code == 404
    assert api.post(f"/api/market/bids/{bid['id']}/accept", headers=market["other_h"]).status_code == 404
    assert api.post(f"/api/market/bids/{bid['id']}/withdraw", headers=market["buyer_h"]).json()["status"] == "withdrawn"
    again = api.post(f"/api/market/bids/{bid['id']}/withdraw", headers=market["buyer_h"])
    assert again.status_code == 409 and _error(again) == "bid_not_live"
    assert api.post(f"/api/market/listings/{listing['id']}/close", headers=market["farmer_h"]).json()["status"] == (
        "closed"
    )
    closed = api.post(
        f"/api/market/listings/{listing['id']}/bids",
        json={"quantity": 1, "price_paise": 150_000},
        headers=market["buyer_h"],
    )
    assert closed.status_code in (404, 409)


def test_raising_a_bid_updates_it_and_auto_accept_turns_it_into_an_order(api, market):
    listing = _listing(api, market["farmer_h"], auto_accept_price_paise=210_000)
    url = f"/api/market/listings/{listing['id']}/bids"
    first = api.post(url, json={"quantity": 5, "price_paise": 190_000}, headers=market["buyer_h"]).json()["bid"]
    raised = api.post(url, json={"quantity": 5, "price_paise": 200_000}, headers=market["buyer_h"]).json()["bid"]
    assert raised["id"] == first["id"] and raised["price_paise"] == 200_000
    auto = api.post(url, json={"quantity": 5, "price_paise": 215_000}, headers=market["buyer_h"]).json()
    assert auto["order"]["status"] == "pending_payment" and auto["order"]["price_paise"] == 215_000


def test_fpo_admin_lists_for_a_member_and_it_is_audited(api, market):
    fpo_h = bearer(token_for(make_user("org_admin", org_id=market["org"])))
    listing = _listing(api, fpo_h, farmer_id=market["farmer"].id)
    assert listing["farmer_id"] == market["farmer"].id
    outsider = make_user("farmer", name="Not a member")
    assert _error(api.post("/api/market/listings", json={**LISTING, "farmer_id": outsider.id}, headers=fpo_h)) == (
        "listing_farmer"
    )
    with session_scope() as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "listing.create_assisted")).one()
    assert entry.details["farmer_id"] == market["farmer"].id


def test_order_moves_only_along_its_steps_and_unpaid_holds_release(api, market):
    listing = _listing(api, market["farmer_h"], auto_accept_price_paise=200_000)
    url = f"/api/market/listings/{listing['id']}/bids"
    order = api.post(url, json={"quantity": 20, "price_paise": 200_000}, headers=market["buyer_h"]).json()["order"]
    status_url = f"/api/market/orders/{order['id']}/status"
    early = api.post(status_url, json={"status": "dispatched"}, headers=market["farmer_h"])
    assert early.status_code == 409 and _error(early) == "order_transition"
    with session_scope() as session:
        row = session.get(MarketOrder, order["id"])
        row.hold_until = utcnow() - timedelta(minutes=1)
        session.add(row)
    with session_scope() as session:
        assert release_expired_holds(session) == [order["order_number"]]
    assert (
        api.get(f"/api/market/listings/{listing['id']}", headers=market["buyer_h"]).json()["quantity_remaining"] == 50
    )
    second = api.post(url, json={"quantity": 10, "price_paise": 200_000}, headers=market["buyer_h"]).json()["order"]
    with session_scope() as session:
        row = session.get(MarketOrder, second["id"])
        row.status = "paid"  # the payments tests cover how it gets here
        session.add(row)
    status_url = f"/api/market/orders/{second['id']}/status"
    assert _error(api.post(status_url, json={"status": "delivered"}, headers=market["buyer_h"])) == "order_transition"
    wrong_side = api.post(status_url, json={"status": "dispatched"}, headers=market["buyer_h"])
    assert _error(wrong_side) == "order_transition_side"
    assert api.post(status_url, json={"status": "dispatched"}, headers=market["farmer_h"]).json()["status"] == (
        "dispatched"
    )
    assert api.post(status_url, json={"status": "delivered"}, headers=market["buyer_h"]).json()["status"] == "delivered"
    assert api.post(status_url, json={"status": "cancelled"}, headers=market["buyer_h"]).status_code == 409


def test_twenty_buyers_racing_for_the_last_ten_quintals_never_oversell(api, market):
    listing = _listing(api, market["farmer_h"], quantity=10, auto_accept_price_paise=200_000)
    headers = [bearer(token_for(make_user("buyer", name=f"Racer {i}"))) for i in range(20)]
    barrier, answers = threading.Barrier(20), [None] * 20

    def buy(i):
        barrier.wait()
        answers[i] = api.post(
            f"/api/market/listings/{listing['id']}/bids",
            json={"quantity": 1 + i % 3, "price_paise": 200_000},
            headers=headers[i],
        )

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(20)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    won = [a for a in answers if a.status_code == 201]
    assert all(a.status_code in (201, 409, 422) for a in answers), [a.text for a in answers if a.status_code >= 500]
    with session_scope() as session:
        sold = sum(o.quantity for o in session.exec(select(MarketOrder)).all())
        left = session.get(Listing, listing["id"]).quantity_remaining
    assert sold == sum(a.json()["order"]["quantity"] for a in won)
    assert sold + left == 10 and left >= 0 and sold <= 10


def test_photo_must_be_a_real_small_image(api, market):
    listing = _listing(api, market["farmer_h"])
    url = f"/api/market/listings/{listing['id']}/photo"
    fake = api.post(
        url, files={"file": ("onion.jpg", b"not an image at all", "image/jpeg")}, headers=market["farmer_h"]
    )
    assert fake.status_code == 422 and _error(fake) == "photo_not_image"
    # A camera photo of 3-14 MB is accepted (and shrunk); one byte over KISAAN_PHOTO_MAX_MB is refused, by name.
    over = photos.max_bytes() + 1
    big = api.post(url, files={"file": ("big.jpg", b"\xff" * over, "image/jpeg")}, headers=market["farmer_h"])
    assert _error(big) == "photo_too_large" and "15 MB" in big.json()["error"]["message"]
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(png, "PNG")
    ok = api.post(url, files={"file": ("onion.png", png.getvalue(), "image/png")}, headers=market["farmer_h"])
    assert ok.status_code == 200 and ok.json()["has_photo"]
    assert (
        api.post(url, files={"file": ("x.png", png.getvalue(), "image/png")}, headers=market["buyer_h"]).status_code
        == 404
    )
    shown = api.get(url, headers=market["buyer_h"])
    assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"  # re-encoded as JPEG


def test_search_filters_sorts_and_pages(api, market):
    for price, crop, district in [
        (150_000, "Onion", "Nashik"),
        (250_000, "Onion", "Pune"),
        (90_000, "Tomato", "Nashik"),
    ]:
        _listing(api, market["farmer_h"], price_paise=price, crop=crop, district=district)
    page = api.get("/api/market/listings?crop=onion&sort=price_asc", headers=market["buyer_h"]).json()
    assert page["total"] == 2 and [i["asking_price_paise"] for i in page["items"]] == [150_000, 250_000]
    assert page["items"][0]["farmer_name"] == "Ramesh"
    cheap = api.get("/api/market/listings?district=Nashik&max_price_paise=100000", headers=market["buyer_h"]).json()
    assert [i["crop"] for i in cheap["items"]] == ["Tomato"]
    second = api.get("/api/market/listings?limit=2&offset=2&sort=price_desc", headers=market["buyer_h"]).json()
    assert second["total"] == 3 and [i["asking_price_paise"] for i in second["items"]] == [90_000]
    assert api.get("/api/market/listings?sort=random", headers=market["buyer_h"]).status_code == 422
