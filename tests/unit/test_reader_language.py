"""What a Hindi reader sees on the farmer's cards: units and crops in Hindi, money in whole rupees unless there
are paise (issue 18's "smaller things": "प्रति quintal", "₹2,350.00", "Onion" inside the Hindi UI)."""

import asyncio
from datetime import date

import pytest

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.services import accounts, crop_health
from kisaan_app.services.accounts import profiles
from kisaan_app.services.feeds import price_board
from kisaan_app.services.feeds.prices import PriceRecord
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.dashboard_rows import live_price_row
from kisaan_app.state.market import listing_card, order_row
from kisaan_app.state.orders import OrdersState
from kisaan_app.state.payments import PaymentsState
from tests.factories import META, make_user, token_for
from tests.live_tab import Tab, run_in_app
from tests.payments_support import make_order


@pytest.mark.parametrize(
    ("paise", "shown"),
    [
        (235_000, "₹2,350"),  # rupees suffice: no ".00"
        (235_050, "₹2,350.50"),  # paise are kept, never rounded away
        (235_005, "₹2,350.05"),
        (5, "₹0.05"),
        (0, "₹0"),
        (123_456_700, "₹12,34,567"),  # lakh grouping
        (10_000_000_000, "₹10,00,00,000"),
        (-1_250, "-₹12.50"),
        (-1_200, "-₹12"),
        (None, "—"),
    ],
)
def test_money_in_whole_rupees_unless_there_are_paise(paise, shown):
    assert rupees(paise) == shown


def _order_parts(buyer_id: int, farmer_id: int):
    order_id = make_order(buyer_id, farmer_id, amount_paise=2_350_000)  # 10 quintal × ₹2,350
    with session_scope() as session:
        order = session.get(MarketOrder, order_id)
        listing = session.get(Listing, order.listing_id)
        session.expunge_all()
    return order, listing


def test_market_order_and_payment_cards_name_unit_and_crop_in_hindi(db):
    farmer, buyer = make_user("farmer", district="Nashik"), make_user("buyer")
    order, listing = _order_parts(buyer.id, farmer.id)

    card = listing_card(listing, "Ramesh", "hi")
    assert card.title == "प्याज़" and card.remaining == "40 क्विंटल" and card.price == "₹250 / क्विंटल"
    assert listing_card(listing, "Ramesh", "en").price == "₹250 / quintal"

    row = order_row(order, buyer.id, "hi")
    assert row.what == "10 क्विंटल × ₹2,350" and row.amount == "₹23,500"
    assert order_row(order, buyer.id, "en").what == "10 quintal × ₹2,350"

    principal = accounts.to_principal(buyer)
    cards = OrdersState._fetch(principal, "hi")
    assert [(c.crop, c.what, c.amount) for c in cards] == [("प्याज़", "10 क्विंटल × ₹2,350", "₹23,500")]

    awaiting = PaymentsState._fetch(principal, "hi")[1]
    assert [(a.quantity, a.amount) for a in awaiting] == [("10 क्विंटल", "₹23,500")]
    assert [a.quantity for a in PaymentsState._fetch(principal, "en")[1]] == ["10 quintal"]


def test_dashboard_shows_crops_in_the_readers_language_and_sends_the_key(db):
    farmer = make_user("farmer", district="Nashik")
    with session_scope() as session:
        profiles.update_profile(
            session, accounts.to_principal(farmer), {"crops": ["Onion"], "state": "Maharashtra"}, META
        )
        price_board.record_tick(
            session,
            PriceRecord(
                state="Maharashtra",
                district="Nashik",
                market="Lasalgaon",
                commodity="Onion",
                variety="Red",
                grade="FAQ",
                arrival_date=date.today(),
                min_price_paise=215_000,
                max_price_paise=255_000,
                modal_price_paise=235_000,
            ),
        )
        crop_health.report_issue(session, accounts.to_principal(farmer), META, crop="Onion", issue_type="pest")

    async def open_in(lang: str):
        tab = Tab(await asyncio.to_thread(token_for, farmer))
        (await tab.state(DashboardState)).lang = lang
        return await tab.open(DashboardState)

    hindi = run_in_app(open_in("hi"))
    assert [(r.commodity, r.crop, r.modal) for r in hindi.prices] == [("Onion", "प्याज़", "₹2,350")]
    assert [(c.id, c.name) for c in hindi.crop_choices] == [
        ("Onion", "प्याज़")
    ]  # the picker shows प्याज़ and still sends "Onion"
    assert hindi.selected_crop == "Onion" and [r.crop for r in hindi.reports] == ["प्याज़"]

    english = run_in_app(open_in("en"))
    assert [r.crop for r in english.prices] == ["Onion"] and [(c.id, c.name) for c in english.crop_choices] == [
        ("Onion", "Onion")
    ]

    tick = {"commodity": "Onion", "market": "Lasalgaon", "variety": "Red", "modal_paise": 240_050}
    live = live_price_row(tick, "hi")
    assert (live.commodity, live.crop, live.modal) == ("Onion", "प्याज़", "₹2,400.50")


def test_home_cards_of_a_hindi_reader_name_crops_in_hindi(db):
    from kisaan_app.models.accounts import User
    from kisaan_app.state.home import HomeState

    farmer, buyer = make_user("farmer", district="Nashik"), make_user("buyer")
    with session_scope() as session:
        profiles.update_profile(session, accounts.to_principal(farmer), {"crops": ["Onion"]}, META)
        for person in (farmer, buyer):
            session.get(User, person.id).preferred_language = "hi"
    order, _listing = _order_parts(buyer.id, farmer.id)

    async def home_of(user):
        return await Tab(await asyncio.to_thread(token_for, user)).open(HomeState)

    assert run_in_app(home_of(farmer)).crops == ["प्याज़"]
    shop = run_in_app(home_of(buyer))
    assert [(o.title, o.figures) for o in shop.buyer_orders] == [(f"प्याज़ · {order.order_number}", "10 क्विंटल · ₹23,500")]


def test_price_alert_cards_name_the_crop_in_hindi(db):
    from kisaan_app.services.feeds import price_alerts
    from kisaan_app.state.price_alerts import PriceAlertsState

    farmer = make_user("farmer", district="Nashik")
    rule = price_alerts.RuleInput("onion", "above", market="Lasalgaon", threshold_paise=260_000)
    with session_scope() as session:
        price_alerts.create(session, accounts.to_principal(farmer), rule)
    (hindi,) = PriceAlertsState._fetch(accounts.to_principal(farmer), "hi")
    assert (hindi.commodity, hindi.place, hindi.line, hindi.fired) == ("प्याज़", "Lasalgaon", "₹2,600", "")
    assert PriceAlertsState._fetch(accounts.to_principal(farmer), "en")[0].commodity == "Onion"
