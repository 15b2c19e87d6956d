"""Events carry only what their readers may see through the REST API (issue 11): a bid's figures reach its
two parties and the listing's managers, never the FPO's other members — live or on replay."""

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import managers_target, org_target, targets_for, user_target
from kisaan_app.realtime.registry import ClientInfo, ClientRegistry
from kisaan_app.realtime.store import events_since
from tests.factories import bearer, make_org, make_user, token_for

LISTING = {
    "crop": "onion",
    "quantity": 20,
    "unit": "quintal",
    "price_paise": 200_000,
    "district": "nashik",
    "state": "Maharashtra",
}


def _replay(user) -> list[dict]:
    with session_scope() as session:
        return [e.payload for e in events_since(session, targets_for(user.id, user.organization_id, user.role), 0)]


def test_bid_figures_reach_the_parties_and_managers_not_other_members(api):
    org = make_org("Nashik FPO")
    seller = make_user("farmer", org_id=org, district="Nashik")
    neighbour = make_user("farmer", org_id=org, district="Nashik")  # same FPO, not part of this sale
    manager = make_user("org_admin", org_id=org)
    buyer = make_user("buyer")
    listing = api.post("/api/market/listings", json=LISTING, headers=bearer(token_for(seller))).json()
    bid = api.post(
        f"/api/market/listings/{listing['id']}/bids",
        json={"quantity": 2, "price_paise": 190_000},
        headers=bearer(token_for(buyer)),
    )
    assert bid.status_code == 201, bid.text
    with session_scope() as session:
        bid_targets = {e.target for e in session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == "bid"))}
    assert org_target(org) not in bid_targets
    assert {user_target(seller.id), user_target(buyer.id), managers_target(org)} <= bid_targets
    figures = [p for p in _replay(manager) if p.get("price_paise") == 190_000]
    assert figures and [p for p in _replay(buyer) if p.get("price_paise") == 190_000]
    assert [p for p in _replay(neighbour) if "price_paise" in p] == []


def test_only_org_admins_listen_on_the_managers_address():
    registry = ClientRegistry()
    registry.register(ClientInfo("tok-admin", 1, 7, Role.ORG_ADMIN))
    registry.register(ClientInfo("tok-farmer", 2, 7, Role.FARMER))
    assert registry.tokens_for(managers_target(7)) == ["tok-admin"]
    assert sorted(registry.tokens_for(org_target(7))) == ["tok-admin", "tok-farmer"]
    assert managers_target(7) not in targets_for(2, 7, Role.FARMER)
