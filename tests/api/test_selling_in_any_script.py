"""Issue 18, part A, at the service and API level (SQLite and PostgreSQL): names in any Indian script, a
glossary that matches crops/districts/states across scripts, form keys that make a double tap one record,
every field error at once with limits in rupees, a raised bid that replaces the old one for both sides,
order cards people can act on, a dispatch that can be undone briefly, and a refund the farmer is told of."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.market import Bid, Listing, MarketOrder, Negotiation
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.services import glossary
from kisaan_app.services.accounts import to_principal
from kisaan_app.services.errors import Conflict, FieldErrors, ValidationFailed
from kisaan_app.services.feeds import prices
from kisaan_app.services.market import bids, listings, order_cards, orders
from kisaan_app.services.payments import history
from tests.api.test_money_integrity import client, paid_order
from tests.api.test_money_integrity import sale as money_sale
from tests.factories import bearer, make_user, token_for
from tests.payments_support import wait_for

sale = money_sale

IN_HINDI = {
    "crop": "प्याज़",
    "quantity": 20,
    "unit": "quintal",
    "price_paise": 210_000,
    "district": "नाशिक",
    "state": "महाराष्ट्र",
    "village": "पिंपलगाँव",
    "description": "लाल प्याज़, सूखा हुआ। Dry red onion.",
}


def _count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _listing(farmer, **changes) -> Listing:
    with session_scope() as session:
        data = listings.ListingInput(**{**IN_HINDI, **changes})
        listing = listings.create_listing(session, to_principal(farmer), None, data)
        session.flush()
        session.expunge(listing)
        return listing


# --- names in any script, one glossary ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "key"),
    [
        ("crop", "प्याज़", "Onion"),
        ("crop", "प्याज", "Onion"),  # without the nukta
        ("crop", "pyaz", "Onion"),
        ("crop", "ਪਿਆਜ਼", "Onion"),  # Gurmukhi
        ("crop", "Soybean", "Soyabean"),  # Agmarknet's spelling
        ("crop", "गेहूँ", "Wheat"),
        ("district", "नाशिक", "Nashik"),
        ("district", "nashik ", "Nashik"),
        ("district", "Nasik", "Nashik"),
        ("state", "महाराष्ट्र", "Maharashtra"),
        ("state", "तमिलनाडु", "Tamil Nadu"),
    ],
)
def test_the_glossary_matches_across_scripts_and_spellings(kind, typed, key):
    assert glossary.canonical(kind, typed) == key


def test_what_the_glossary_does_not_know_is_kept_tidied():
    assert glossary.canonical("district", "  new   place ") == "New Place"
    assert glossary.canonical("crop", "ड्रैगन फ्रूट") == "ड्रैगन फ्रूट"
    assert glossary.label("crop", "Onion", "hi") == "प्याज़" and glossary.label("crop", "Onion", "en") == "Onion"


def test_a_listing_in_hindi_is_stored_by_key_found_by_any_spelling_and_priced(db):
    farmer = make_user("farmer", district="Nashik", name="रमेश पवार")
    with session_scope() as session:
        prices.import_sample(session)
    listing = _listing(farmer)
    assert (listing.crop, listing.district, listing.state) == ("Onion", "Nashik", "Maharashtra")
    assert listing.village == "पिंपलगाँव" and listing.description.startswith("लाल प्याज़")
    with session_scope() as session:
        for typed in ("प्याज़", "onion", "Pyaz"):
            rows, total = listings.search(session, listings.ListingFilter(crop=typed, district="नाशिक"))
            assert total == 1 and rows[0][0].id == listing.id, typed
        hint = listings.price_hint(session, "प्याज़", "नाशिक", "महाराष्ट्र", "quintal", 100_000)
    assert hint.modal_paise_per_unit and hint.far_below  # the Nashik mandis price onions far above ₹1,000


@pytest.mark.parametrize("hostile", ["<script>", "Nashik\u0007", "नाशिक\u202e", "a" * 81, "x"])
def test_names_still_refuse_markup_controls_and_odd_lengths(db, hostile):
    farmer = make_user("farmer")
    with pytest.raises(ValidationFailed) as refused:
        _listing(farmer, district=hostile)
    assert refused.value.field == "district"


def test_profiles_and_sign_up_store_one_spelling_per_place(db):
    farmer = make_user("farmer", district="nashik ")
    with session_scope() as session:
        from kisaan_app.services.accounts import profiles

        view = profiles.update_profile(
            session, to_principal(farmer), {"district": "नाशिक", "state": "maharashtra", "crops": "प्याज़, tomato"}, None
        )
    assert (view.district, view.state) == ("Nashik", "Maharashtra") and view.crops == ["Onion", "Tomato"]


# --- forms that never lie ----------------------------------------------------------------------------------------


def test_a_double_tap_lists_once_and_keys_belong_to_their_author(db):
    farmer, other = make_user("farmer"), make_user("farmer")
    first = _listing(farmer, form_key="render-key-1")
    again = _listing(farmer, form_key="render-key-1")
    assert again.id == first.id and _count(Listing) == 1
    theirs = _listing(other, form_key="render-key-1")  # the same string from someone else: their own listing
    assert theirs.id != first.id and _count(Listing) == 2
    with pytest.raises(ValidationFailed) as bad:
        _listing(farmer, form_key="no spaces allowed")
    assert bad.value.code == "form_key_invalid"
    # The database itself refuses a second row with the key, whatever code path tries it.
    with pytest.raises(IntegrityError), session_scope() as session:
        row = session.get(Listing, first.id)
        copy = Listing(**{k: v for k, v in row.model_dump().items() if k not in ("id", "created_at", "updated_at")})
        session.add(copy)
        session.flush()


def test_every_wrong_field_is_reported_at_once_with_limits_in_rupees(db, api):
    farmer = make_user("farmer")
    with pytest.raises(FieldErrors) as refused:
        _listing(farmer, crop="<b>", quantity=0, price_paise=99_99_99_999_00, district="")
    found = {e.field: e for e in refused.value.errors}
    assert set(found) == {"crop", "quantity", "price_paise", "district"}
    assert found["price_paise"].code == "price_too_high" and found["price_paise"].params == {"max": "1,00,00,000"}
    headers = {**bearer(token_for(farmer)), "Accept-Language": "hi"}
    body = {**IN_HINDI, "crop": "<b>", "quantity": 20_000, "price_paise": 99_99_99_999_00}
    answer = api.post("/api/market/listings", json=body, headers=headers)
    assert answer.status_code == 422
    errors = {e["field"]: e["message"] for e in answer.json()["error"]["details"]["errors"]}
    assert set(errors) == {"crop", "quantity", "price_paise"}
    assert errors["price_paise"] == "भाव बहुत ज़्यादा है: प्रति इकाई अधिकतम ₹1,00,00,000।"
    assert errors["quantity"] == "एक लिस्टिंग में इतना नहीं आता: अधिकतम 10,000 क्विंटल।"
    assert _count(Listing) == 0  # nothing half-written


def test_a_higher_bid_replaces_the_old_one_and_both_sides_are_told(db):
    farmer, buyer = make_user("farmer", name="Ramesh"), make_user("buyer", name="Imran")
    listing = _listing(farmer)
    with session_scope() as session:
        first = bids.place_bid(session, to_principal(buyer), None, listing.id, 10, 190_000, form_key="bid-render-1")
    with session_scope() as session:  # the double tap of the first send
        again = bids.place_bid(session, to_principal(buyer), None, listing.id, 10, 190_000, form_key="bid-render-1")
    with session_scope() as session:
        raised = bids.place_bid(session, to_principal(buyer), None, listing.id, 10, 205_000, form_key="bid-render-2")
    assert first.id == again.id == raised.id and _count(Bid) == 1
    with session_scope() as session:
        bid = session.get(Bid, first.id)
        offers = session.exec(select(Negotiation.price_paise).where(Negotiation.bid_id == bid.id)).all()
        told = session.exec(select(RealTimeEvent.target, RealTimeEvent.payload).where(RealTimeEvent.topic == "bid"))
        raised_for = {target for target, payload in told.all() if payload.get("kind") == "bid_raised"}
    assert (bid.price_paise, bid.status) == (205_000, "open") and sorted(offers) == [190_000, 205_000]
    assert {f"user:{farmer.id}", f"user:{buyer.id}"} <= raised_for


def test_a_double_tapped_counter_sends_one_figure(db):
    farmer, buyer = make_user("farmer"), make_user("buyer")
    listing = _listing(farmer)
    with session_scope() as session:
        bid = bids.place_bid(session, to_principal(buyer), None, listing.id, 5, 190_000)
    for _ in range(2):
        with session_scope() as session:
            bids.counter(session, to_principal(farmer), None, bid.id, 200_000, form_key="counter-key-1")
    assert _count(Negotiation, Negotiation.kind == "counter") == 1


def test_buyers_see_the_description_in_the_api(db, api):
    farmer, buyer = make_user("farmer"), make_user("buyer")
    listing = _listing(farmer)
    answer = api.get(f"/api/market/listings/{listing.id}", headers=bearer(token_for(buyer)))
    assert answer.json()["description"] == IN_HINDI["description"]


# --- orders people can act on ------------------------------------------------------------------------------------


def _order(farmer, buyer) -> MarketOrder:
    listing = _listing(farmer, available_from=utcnow() + timedelta(days=2))
    with session_scope() as session:
        bid = bids.place_bid(session, to_principal(buyer), None, listing.id, 4, 200_000)
    with session_scope() as session:
        order = bids.accept(session, to_principal(farmer), None, bid.id)
        session.expunge(order)
        return order


def test_order_cards_name_the_crop_the_other_party_and_the_pickup(db):
    farmer = make_user("farmer", name="Ramesh Pawar")
    buyer = make_user("buyer", name="Imran Traders")
    order = _order(farmer, buyer)
    with session_scope() as session:
        (for_buyer,) = order_cards.order_cards(session, to_principal(buyer))
        (for_farmer,) = order_cards.order_cards(session, to_principal(farmer))
        stranger = order_cards.order_cards(session, to_principal(make_user("buyer")))
    assert (
        for_buyer.crop == "Onion" and for_buyer.other_name == "Ramesh Pawar" and for_buyer.other_phone == farmer.phone
    )
    assert for_farmer.other_name == "Imran Traders" and for_farmer.other_phone == buyer.phone
    assert for_buyer.pickup_place == "पिंपलगाँव, Nashik, Maharashtra" and for_buyer.pickup_from is not None
    assert (for_buyer.paid_paise, for_buyer.refunded_paise, for_buyer.order.id) == (0, 0, order.id)
    assert stranger == []


def test_dispatched_can_be_undone_by_the_seller_for_a_short_while_only(db):
    farmer, buyer = make_user("farmer"), make_user("buyer")
    order = _order(farmer, buyer)
    with session_scope() as session:
        row = session.get(MarketOrder, order.id)
        row.status, row.paid_at = "paid", utcnow()
    with session_scope() as session:
        orders.advance(session, to_principal(farmer), None, order.id, "dispatched")
    with session_scope() as session:
        (card,) = order_cards.order_cards(session, to_principal(farmer))
        assert card.undo_until is not None
        with pytest.raises(Conflict):  # the buyer cannot take it back
            orders.undo_dispatch(session, to_principal(buyer), None, order.id)
    with session_scope() as session:
        assert orders.undo_dispatch(session, to_principal(farmer), None, order.id).status == "paid"
    with session_scope() as session:  # twice is harmless
        assert orders.undo_dispatch(session, to_principal(farmer), None, order.id).status == "paid"
    with session_scope() as session:
        orders.advance(session, to_principal(farmer), None, order.id, "dispatched")
        row = session.get(MarketOrder, order.id)
        row.dispatched_at = utcnow() - timedelta(minutes=11)  # past KISAAN_DISPATCH_UNDO_MINUTES (10)
    with session_scope() as session:
        with pytest.raises(Conflict) as late:
            orders.undo_dispatch(session, to_principal(farmer), None, order.id)
        assert late.value.code == "order_undo_expired" and late.value.params == {"minutes": 10}
        (card,) = order_cards.order_cards(session, to_principal(farmer))
        assert card.undo_until is None and card.order.status == "dispatched"


def test_a_refund_is_told_to_the_farmer_in_the_inbox_and_on_their_channels(payments, sale, live_api_url):
    order_id, start = paid_order(payments, sale, live_api_url)
    refund = client(live_api_url).post(
        "/api/payments/refund",
        json={"receipt": start["receipt"], "amount_paise": 100_000, "reason": "two bags were wet"},
        headers={**bearer(sale["admin_token"]), "X-Refund-Idempotency": "refund-wet-bags"},
    )
    assert refund.status_code == 201, refund.text
    farmer = sale["farmer"]

    def told() -> dict[str, list[str]]:
        with session_scope() as session:
            rows = session.exec(
                select(NotificationHistory.channel, NotificationHistory.subject).where(
                    NotificationHistory.user_id == farmer.id, NotificationHistory.category == "payments"
                )
            ).all()
        found: dict[str, list[str]] = {}
        for channel, subject in rows:
            if subject and "Refund" in subject:
                found.setdefault(channel, []).append(subject)
        return found

    wait_for(lambda: "in_app" in told())
    channels = told()
    assert channels["in_app"] == [f"Refund on order {order_row_number(order_id)}: ₹1,000"]  # once, however told
    assert {"sms", "email"} & set(channels) or "push" in channels  # and on a channel that leaves the app
    with session_scope() as session:
        (card,) = order_cards.order_cards(session, to_principal(farmer))
        sums = history.totals(session, to_principal(farmer), history.PaymentFilter())
    assert (card.paid_paise, card.refunded_paise) == (300_000, 100_000)
    assert (sums.paid_paise, sums.refunded_paise, sums.net_paise) == (300_000, 100_000, 200_000)


def order_row_number(order_id: int) -> str:
    with session_scope() as session:
        return session.get(MarketOrder, order_id).order_number
