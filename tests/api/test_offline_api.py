"""What a phone keeps for offline use (/api/offline/copy: each person sees only their own) and the writes it
replays later with an Idempotency-Key: the same key gives the first answer and never a second row, even
concurrently; a key is its owner's alone; a write that fails (a listing sold meanwhile) is not remembered as
done. Both databases."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import FarmerProfile
from kisaan_app.models.feeds import CropHealthReport
from kisaan_app.models.idempotency import IdempotentRequest
from kisaan_app.models.market import Listing, Negotiation
from kisaan_app.services import idempotency, inbox
from tests.factories import bearer, make_org, make_user, token_for

LISTING = {
    "crop": "onion",
    "variety": "Red",
    "quantity": 20,
    "unit": "quintal",
    "price_paise": 200_000,
    "district": "Nashik",
    "state": "Maharashtra",
}
TICK = {
    "state": "Maharashtra",
    "district": "Nashik",
    "market": "Lasalgaon",
    "commodity": "Onion",
    "variety": "Red",
    "min_price": 2000,
    "max_price": 2600,
    "modal_price": 2400,
}


def _key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": f"test-key-{name}"}


def _count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.fixture
def people(api):
    org = make_org("Nashik Onion FPO")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh")
    with session_scope() as session:
        profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == farmer.id)).one()
        profile.crops, profile.state = ["Onion"], "Maharashtra"
        session.add(profile)
    other = make_user("farmer", district="Pune", name="Savita")
    buyer = make_user("buyer", name="Imran Traders")
    admin = make_user("admin", name="Asha")
    return {
        "farmer": farmer,
        "farmer_h": bearer(token_for(farmer)),
        "other_h": bearer(token_for(other)),
        "buyer": buyer,
        "buyer_h": bearer(token_for(buyer)),
        "admin_h": bearer(token_for(admin)),
    }


def _listing(api, headers) -> dict:
    created = api.post("/api/market/listings", json=LISTING, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()


def _bid(api, people, listing_id: int, price: int = 180_000) -> dict:
    answer = api.post(
        f"/api/market/listings/{listing_id}/bids", json={"quantity": 5, "price_paise": price}, headers=people["buyer_h"]
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["bid"]


def test_the_offline_copy_holds_the_farmers_own_day_and_nobody_elses(api, people):
    assert api.get("/api/offline/copy").status_code == 401
    assert api.post("/api/prices/ticks", json=TICK, headers=people["admin_h"]).status_code == 201
    now = datetime.now(UTC)
    warning = {
        "district": "Nashik",
        "severity": "orange",
        "title": "Hailstorm likely",
        "message": "Cover harvested onion.",
        "valid_from": (now - timedelta(minutes=1)).isoformat(),
        "valid_until": (now + timedelta(hours=6)).isoformat(),
    }
    assert api.post("/api/weather/alerts", json=warning, headers=people["admin_h"]).status_code == 201
    listing = _listing(api, people["farmer_h"])
    bid = _bid(api, people, listing["id"])

    mine = api.get("/api/offline/copy", headers=people["farmer_h"])
    assert mine.status_code == 200 and "no-store" in mine.headers["cache-control"]
    copy = mine.json()
    assert datetime.fromisoformat(copy["as_of"]) >= now - timedelta(seconds=5)
    assert [(p["market"], p["modal_paise"]) for p in copy["prices"]] == [("Lasalgaon", 240_000)]
    assert [w["title"] for w in copy["warnings"]] == ["Hailstorm likely"]
    assert any(i["title"] for i in copy["inbox"]) and copy["unread"] >= 1  # the warning reached the inbox
    assert [row["id"] for row in copy["listings"]] == [listing["id"]]
    assert [(o["bid_id"], o["price_paise"]) for o in copy["offers"]] == [(bid["id"], 180_000)]
    assert copy["words"]["as_of"] == "Offline — showing prices from {time}" and copy["user_id"] == people["farmer"].id

    # Another farmer (another district, no FPO) sees none of it; the buyer sees no listings and, until the
    # farmer counters, no offer waiting for them.
    # The offline screen's words come in the reader's language.
    assert api.patch("/api/users/me", json={"preferred_language": "hi"}, headers=people["other_h"]).status_code == 200
    theirs = api.get("/api/offline/copy", headers=people["other_h"]).json()
    assert theirs["language"] == "hi" and theirs["words"]["as_of"] == "ऑफ़लाइन — {time} के भाव दिख रहे हैं"
    assert theirs["words"]["unit_quintal"] == "क्विंटल"
    assert (theirs["listings"], theirs["offers"], theirs["orders"], theirs["warnings"]) == ([], [], [], [])
    buyer = api.get("/api/offline/copy", headers=people["buyer_h"]).json()
    assert (buyer["listings"], buyer["offers"], buyer["prices"]) == ([], [], [])
    api.post(f"/api/market/bids/{bid['id']}/counter", json={"price_paise": 195_000}, headers=people["farmer_h"])
    buyer = api.get("/api/offline/copy", headers=people["buyer_h"]).json()
    assert [(o["bid_id"], o["price_paise"], o["status"]) for o in buyer["offers"]] == [
        (bid["id"], 195_000, "countered")
    ]
    assert api.get("/api/offline/copy", headers=people["farmer_h"]).json()["offers"] == []


def test_each_offline_write_lands_once_for_its_key(api, people):
    h = people["farmer_h"]
    first = api.post("/api/market/listings", json=LISTING, headers=h | _key("listing"))
    again = api.post("/api/market/listings", json=LISTING, headers=h | _key("listing"))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(Listing) == 1
    listing_id = first.json()["id"]

    bid = [
        api.post(
            f"/api/market/listings/{listing_id}/bids",
            json={"quantity": 5, "price_paise": 180_000},
            headers=people["buyer_h"] | _key("bid"),
        )
        for _ in range(2)
    ]
    assert bid[0].json() == bid[1].json() and bid[0].status_code == bid[1].status_code == 201
    bid_id = bid[0].json()["bid"]["id"]

    counter = [
        api.post(f"/api/market/bids/{bid_id}/counter", json={"price_paise": 195_000}, headers=h | _key("counter"))
        for _ in range(2)
    ]
    assert [c.status_code for c in counter] == [200, 200] and counter[0].json() == counter[1].json()
    assert _count(Negotiation, Negotiation.kind == "counter") == 1

    report = {"crop": "Onion", "issue_type": "pest", "severity": "orange", "note": "Thrips on leaves"}
    sent = [api.post("/api/crop-health/reports", json=report, headers=h | _key("report")) for _ in range(2)]
    assert [s.status_code for s in sent] == [201, 201] and sent[0].json() == sent[1].json()
    assert _count(CropHealthReport) == 1

    with session_scope() as session:
        note = inbox.add(session, people["farmer"].id, category="market", title="Offer", body="New offer")
        note_id = note.id
    read = [api.post(f"/api/inbox/{note_id}/read", headers=h | _key("read")) for _ in range(2)]
    assert [r.json()["changed"] for r in read] == [1, 1]  # the replay answers as the first time did
    assert api.get("/api/inbox", headers=h).json()["items"][0]["read"] is True

    accepted = [
        api.post(f"/api/market/bids/{bid_id}/accept", headers=people["buyer_h"] | _key("accept")) for _ in range(2)
    ]
    assert [a.status_code for a in accepted] == [201, 201] and accepted[0].json() == accepted[1].json()
    _a_key_is_its_owners_and_means_one_request(api, people)


def _a_key_is_its_owners_and_means_one_request(api, people):
    listing = _listing(api, people["farmer_h"])
    # The same key from another farmer is another farmer's write, not a peek at the first one's answer.
    theirs = api.post("/api/market/listings", json=LISTING | {"crop": "garlic"}, headers=people["other_h"] | _key("k"))
    mine = api.post("/api/market/listings", json=LISTING, headers=people["farmer_h"] | _key("k"))
    assert theirs.status_code == mine.status_code == 201 and theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["crop"] == "Garlic" and mine.json()["crop"] == "Onion"
    # The same key for a different request is refused, in the reader's language.
    reused = api.post(
        "/api/market/listings",
        json=LISTING | {"quantity": 99},
        headers=people["farmer_h"] | _key("k") | {"Accept-Language": "hi"},
    )
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in reused.json()["error"]["message"] and "दूसरे" in reused.json()["error"]["message"]
    # A key naming its person (as the phone's queue writes them) is refused for anyone else: a write queued on a
    # shared phone is never replayed as whoever signed in next.
    farmer_id = people["farmer"].id
    named = {"Idempotency-Key": f"u{farmer_id}-0f1e2d3c4b5a"}
    stranger = api.post("/api/market/listings", json=LISTING, headers=people["other_h"] | named)
    assert stranger.status_code == 409 and stranger.json()["error"]["code"] == "idempotency_key_other_person"
    assert api.post("/api/market/listings", json=LISTING, headers=people["farmer_h"] | named).status_code == 201
    bad = api.post(f"/api/inbox/{listing['id']}/read", headers=people["farmer_h"] | {"Idempotency-Key": "short"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "idempotency_key_invalid"
    assert _count(IdempotentRequest, IdempotentRequest.key == "test-key-k") == 2
    # Answers are kept a month (a phone keeps a queued write a week), then the nightly job forgets them.
    with session_scope() as session:
        assert idempotency.forget_old(session, now=datetime.now(UTC) + timedelta(days=29)) == 0
        assert idempotency.forget_old(session, now=datetime.now(UTC) + timedelta(days=31)) == 9
    assert _count(IdempotentRequest) == 0


def test_a_failed_replay_is_a_clear_conflict_and_is_not_remembered_as_done(api, people):
    listing = _listing(api, people["farmer_h"])
    bid = _bid(api, people, listing["id"])
    # Meanwhile (the farmer's phone is offline) the farmer closes the listing from another device.
    assert api.post(f"/api/market/listings/{listing['id']}/close", headers=people["farmer_h"]).status_code == 200
    for _ in range(2):
        replay = api.post(
            f"/api/market/bids/{bid['id']}/counter",
            json={"price_paise": 190_000},
            headers=people["farmer_h"] | _key("late"),
        )
        assert replay.status_code == 409, replay.text
        assert replay.json()["error"]["code"] in ("listing_not_open", "bid_not_live")
    assert _count(IdempotentRequest) == 0 and _count(Negotiation, Negotiation.kind == "counter") == 0
    _concurrent_replays_of_one_key_write_once(api, people)


def _concurrent_replays_of_one_key_write_once(api, people):
    """Background Sync and the page's own replay racing each other: one row, the same answer for all."""
    barrier, answers, before = threading.Barrier(6), [None] * 6, _count(Listing)

    def replay(i):
        barrier.wait()
        answers[i] = api.post("/api/market/listings", json=LISTING, headers=people["farmer_h"] | _key("race"))

    threads = [threading.Thread(target=replay, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert _count(Listing) == before + 1 and _count(IdempotentRequest) == 1
    created = [a for a in answers if a.status_code == 201]
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    assert len({a.json()["id"] for a in created}) == 1 and created
    # A twin that found the key still being written was told to try again; trying again gets the answer.
    assert all(a.json()["error"]["code"] == "idempotency_key_in_use" for a in answers if a.status_code == 409)
