"""Every market, payment, reminder and sensor event reaches people through notify(): the right person, on the
channels they chose (SMS included when they chose it), in their language, and once, however often the service
call that caused it is retried (both databases)."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.models.notifications import NotificationHistory, NotificationTemplate
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.seed_templates import seed_notification_templates
from kisaan_app.services import accounts, sensors
from kisaan_app.services.market import notices, reminders
from kisaan_app.services.notifications.preferences import save_preferences
from kisaan_app.services.payments import lifecycle
from tests.api.test_market_api import LISTING
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import make_order

EVERY_CHANNEL = ["in_app", "push", "sms", "email"]


def _wants_sms(user, *categories: str) -> None:
    with session_scope() as session:
        principal = accounts.to_principal(session.get(type(user), user.id))
        save_preferences(
            session, principal, channels={c: EVERY_CHANNEL for c in categories}, quiet_start=None, quiet_end=None
        )


def _told(*where) -> list[tuple[int, str, str]]:
    """(person, channel, subject) of every delivery row, in a stable order."""
    with session_scope() as session:
        rows = session.exec(select(NotificationHistory).where(*where)).all()
        return sorted((r.user_id, r.channel, r.subject or "") for r in rows)


@pytest.fixture
def market(api):
    org = make_org("Nashik Onion FPO")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh")
    buyer = make_user("buyer", name="Imran Traders")
    _wants_sms(farmer, "market", "payments", "crop_health")
    _wants_sms(buyer, "market", "payments")
    with session_scope() as session:  # the buyer reads Hindi
        session.get(type(buyer), buyer.id).preferred_language = "hi"
    return {
        "org": org,
        "farmer": farmer,
        "buyer": buyer,
        "fh": bearer(token_for(farmer)),
        "bh": bearer(token_for(buyer)),
    }


def test_bids_and_order_steps_are_told_once_each_on_the_chosen_channels(api, market):
    farmer, buyer = market["farmer"].id, market["buyer"].id
    listing = api.post("/api/market/listings", json=LISTING, headers=market["fh"])
    assert listing.status_code == 201, listing.text
    listing = listing.json()
    bid_body = {"quantity": 10, "price_paise": 180_000}
    retry = {**market["bh"], "Idempotency-Key": "bid-" + "k" * 20}  # an offline phone replaying its request
    bid = api.post(f"/api/market/listings/{listing['id']}/bids", json=bid_body, headers=retry).json()["bid"]
    again = api.post(f"/api/market/listings/{listing['id']}/bids", json=bid_body, headers=retry)
    assert again.json()["bid"]["id"] == bid["id"]
    assert _told(NotificationHistory.user_id == farmer) == [
        (farmer, "in_app", "New bid on your Onion"),
        (farmer, "sms", "New bid on your Onion"),
    ]
    counter, retry = {"price_paise": 195_000}, {**market["fh"], "Idempotency-Key": "counter-" + "c" * 20}
    for _ in range(2):  # a double tap
        assert api.post(f"/api/market/bids/{bid['id']}/counter", json=counter, headers=retry).status_code == 200
    hindi = [(buyer, "in_app", "Onion पर जवाबी पेशकश"), (buyer, "sms", "Onion पर जवाबी पेशकश")]
    assert _told(NotificationHistory.user_id == buyer) == hindi
    with session_scope() as session:
        sms = session.exec(select(NotificationHistory).where(NotificationHistory.channel == "sms")).all()
        assert all(len(r.body) <= 160 for r in sms)  # the short SMS words, not the in-app text
    order = api.post(f"/api/market/bids/{bid['id']}/accept", headers=market["bh"]).json()
    number = order["order_number"]
    confirmed = _told(col(NotificationHistory.idempotency_key).startswith(f"order:{order['id']}:order_created"))
    assert confirmed == [
        (farmer, "in_app", f"Order {number} confirmed"),
        (farmer, "sms", f"Order {number} confirmed"),
        (buyer, "in_app", f"ऑर्डर {number} पक्का हुआ"),
        (buyer, "sms", f"ऑर्डर {number} पक्का हुआ"),
    ]
    before = _told()
    with session_scope() as session:  # the same step announced again (a retried job, a second worker)
        notices.order_step(session, session.get(MarketOrder, order["id"]), "order_created")
    assert _told() == before


def test_payment_captured_and_refunded_tell_each_side_once(db, market):
    farmer, buyer = market["farmer"], market["buyer"]
    order_id = make_order(buyer.id, farmer.id)
    with session_scope() as session:
        payment = Payment(
            payer_id=buyer.id, purpose="market_order", amount_paise=250_000, market_order_id=order_id, receipt="r-1"
        )
        session.add(payment)
        session.flush()
        payment_id = payment.id
    for _ in range(2):  # the webhook, then the reconciliation, both saying "captured"
        with session_scope() as session:
            lifecycle.move(session, session.get(Payment, payment_id), "captured", "test")
    paid = _told(col(NotificationHistory.idempotency_key).startswith(f"payment:{payment_id}:"))
    number = _number(order_id)
    assert paid == [  # no e-mail: neither has an address
        (farmer.id, "in_app", f"Order {number} paid: ₹2,500"),
        (farmer.id, "sms", f"Order {number} paid: ₹2,500"),
        (buyer.id, "in_app", "₹2,500 का भुगतान मिला"),
        (buyer.id, "sms", "₹2,500 का भुगतान मिला"),
    ]


def test_a_refund_tells_the_payer_once_per_new_refunded_total(db, market):
    farmer, buyer = market["farmer"], market["buyer"]
    order_id = make_order(buyer.id, farmer.id)
    with session_scope() as session:
        payment = Payment(
            payer_id=buyer.id, purpose="market_order", amount_paise=250_000, market_order_id=order_id, receipt="r-2"
        )
        session.add(payment)
        session.flush()
        payment_id = payment.id
    with session_scope() as session:
        lifecycle.move(session, session.get(Payment, payment_id), "captured", "test")
    with session_scope() as session:
        session.add(
            Refund(
                payment_id=payment_id,
                amount_paise=50_000,
                status="processed",
                reason="two bags were wet",
                idempotency_key="refund-wet",
                razorpay_refund_id="rfnd_1",
            )
        )
    for _ in range(2):  # the refund's webhook, then the reconciliation, both recounting
        with session_scope() as session:
            lifecycle.recount_refunds(session, session.get(Payment, payment_id), "test")
    told = _told(col(NotificationHistory.idempotency_key).startswith(f"payment:{payment_id}:refunded"))
    assert told == [(buyer.id, "in_app", "₹500 वापस किए गए"), (buyer.id, "sms", "₹500 वापस किए गए")]


def _number(order_id: int) -> str:
    with session_scope() as session:
        return session.get(MarketOrder, order_id).order_number


def test_reminders_before_an_offer_lapses_and_an_unpaid_order_is_released_are_sent_once(db, market):
    farmer, buyer = market["farmer"], market["buyer"]
    order_id = make_order(buyer.id, farmer.id)
    now = utcnow()
    with session_scope() as session:
        order = session.get(MarketOrder, order_id)
        order.hold_until = now + timedelta(minutes=10)
        listing = session.get(Listing, order.listing_id)
        bid = Bid(listing_id=listing.id, buyer_id=buyer.id, quantity=5, price_paise=190_000, status="open")
        bid.expires_at = now + timedelta(hours=3)
        session.add_all([order, bid])
    for _ in range(3):  # the job runs every five minutes
        with session_scope() as session:
            assert reminders.remind_expiring_offers(session, now) == 1
            assert reminders.remind_unpaid_orders(session, now) == 1
    assert _told(col(NotificationHistory.idempotency_key).startswith("bid-expiring:")) == [
        (farmer.id, "in_app", "An offer on Onion is waiting for you"),
        (farmer.id, "sms", "An offer on Onion is waiting for you"),
    ]
    assert _told(col(NotificationHistory.idempotency_key).startswith("order-unpaid:")) == [
        (buyer.id, "in_app", f"ऑर्डर {_number(order_id)} का भुगतान बाकी है"),
        (buyer.id, "sms", f"ऑर्डर {_number(order_id)} का भुगतान बाकी है"),
    ]


def test_a_sensor_breach_alerts_the_farmer_once_per_case_and_tells_the_fpo(db, market):
    farmer = market["farmer"]
    admin = make_user("org_admin", org_id=market["org"], name="FPO Office")
    with session_scope() as session:
        principal = accounts.to_principal(session.get(type(farmer), farmer.id))
        _device, key = sensors.register_device(session, principal, "Plot 3 probe", "Onion")
    for value in (7.5, 6.0, 5.5):  # three dry readings: one problem
        with session_scope() as session:
            sensors.record_reading(session, key, "soil_moisture_pct", value)
    assert _told(NotificationHistory.user_id == farmer.id) == [
        (farmer.id, "in_app", "Onion: soil_moisture_pct = 7.5"),
        (farmer.id, "sms", "Onion: soil_moisture_pct = 7.5"),
    ]
    assert _told(NotificationHistory.user_id == admin.id) == [  # the FPO's admin: one case opened
        (admin.id, "in_app", "Ramesh needs help with Onion"),
        (admin.id, "sms", "Ramesh needs help with Onion"),
    ]


def test_an_operators_stored_template_wins_over_the_built_in_words(db, market):
    with session_scope() as session:
        assert seed_notification_templates(session) > 0
        row = session.exec(
            select(NotificationTemplate).where(
                NotificationTemplate.key == "market.order_unpaid",
                NotificationTemplate.channel == "in_app",
                NotificationTemplate.language == "hi",
            )
        ).one()
        row.subject = "जल्दी भुगतान करें: {{ order }}"
        session.add(row)
    order_id = make_order(market["buyer"].id, market["farmer"].id)
    with session_scope() as session:
        notices.order_unpaid(session, session.get(MarketOrder, order_id), 15)
    subjects = {s for _u, c, s in _told(NotificationHistory.user_id == market["buyer"].id) if c == "in_app"}
    assert subjects == {f"जल्दी भुगतान करें: {_number(order_id)}"}
