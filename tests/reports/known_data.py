"""A small, fully known marketplace for the report tests: two FPOs, their farmers, orders, payments, refunds,
mandi prices, deliveries and crop-health reports. Every figure a test expects is written beside the rows."""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import FarmerProfile, MembershipRequest
from kisaan_app.models.feeds import CropHealthReport, MandiPrice
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services.context import Principal
from tests.factories import make_org, make_user

_n = itertools.count(1)
# A recent day, inside every default (12-month) period, at 06:30 UTC = noon IST.
SALE_DAY = (datetime.now(UTC) - timedelta(days=20)).date()
SALE_AT = datetime(SALE_DAY.year, SALE_DAY.month, SALE_DAY.day, 6, 30, tzinfo=UTC)
MONTH = SALE_DAY.strftime("%Y-%m")


def principal(user) -> Principal:  # noqa: ANN001
    return Principal(user.id, user.role, user.full_name, user.organization_id, "en", "test-session")


def listing(session, farmer, crop="Onion", district="Nashik", org_id=None, village="Pimpalgaon") -> Listing:  # noqa: ANN001
    row = Listing(
        farmer_id=farmer.id,
        organization_id=org_id,
        crop=crop,
        quantity=100,
        quantity_remaining=0,
        unit="quintal",
        asking_price_paise=100_000,
        district=district,
        state="Maharashtra",
        village=village,
    )
    session.add(row)
    session.flush()
    return row


def order(session, row: Listing, buyer, quantity, unit, price_paise, *, paid=True, status=None, refunded=0):  # noqa: ANN001
    o = MarketOrder(
        order_number=f"KS-T{next(_n):06d}",
        listing_id=row.id,
        buyer_id=buyer.id,
        farmer_id=row.farmer_id,
        organization_id=row.organization_id,
        quantity=quantity,
        unit=unit,
        price_paise=price_paise,
        amount_paise=round(quantity * price_paise),
        status=status or ("paid" if paid else "pending_payment"),
        paid_at=SALE_AT if paid else None,
        refunded_paise=refunded,
    )
    session.add(o)
    session.flush()
    return o


def payment(session, o: MarketOrder, status="captured", refunded=0, provider_id=True) -> Payment:  # noqa: ANN001
    n = next(_n)
    p = Payment(
        payer_id=o.buyer_id,
        organization_id=o.organization_id,
        purpose="market_order",
        market_order_id=o.id,
        amount_paise=o.amount_paise,
        amount_refunded_paise=refunded,
        status=status,
        receipt=f"rcpt_t{n}",
        razorpay_order_id=f"order_t{n}",
        razorpay_payment_id=f"pay_t{n}" if provider_id else None,
    )
    session.add(p)
    session.flush()
    return p


@dataclass
class World:
    org_a: int
    org_b: int
    farmer: object  # in FPO A, district Nashik
    other_farmer: object  # in FPO B
    org_admin_a: object
    org_admin_b: object
    admin: object
    buyer: object


def build() -> World:
    org_a, org_b = make_org("FPO A"), make_org("FPO B")
    farmer = make_user("farmer", org_id=org_a, name="राम पाटील")
    other = make_user("farmer", org_id=org_b, name="Other Farmer")
    world = World(
        org_a,
        org_b,
        farmer,
        other,
        make_user("org_admin", org_id=org_a, name="Admin A"),
        make_user("org_admin", org_id=org_b, name="Admin B"),
        make_user("admin", name="Platform Admin"),
        make_user("buyer", name="Buyer"),
    )
    with session_scope() as s:
        profile = s.exec(select(FarmerProfile).where(FarmerProfile.user_id == farmer.id)).first()
        profile = profile or FarmerProfile(user_id=farmer.id, state="Maharashtra")
        profile.village, profile.district = "Pimpalgaon", "Nashik"
        s.add(profile)
        onion = listing(s, farmer, "Onion", org_id=org_a)
        tomato = listing(s, farmer, "Tomato", org_id=org_a)
        s.add(Bid(listing_id=onion.id, buyer_id=world.buyer.id, quantity=10, price_paise=200_000))
        s.add(Bid(listing_id=onion.id, buyer_id=world.buyer.id, quantity=5, price_paise=210_000))
        # Onion: 10 quintals at ₹2,000 + 500 kg (5 q) at ₹21/kg → ₹20,000 + ₹10,500; realised ₹2,033.33/q.
        o1 = order(s, onion, world.buyer, 10, "quintal", 200_000)
        payment(s, o1)
        o2 = order(s, onion, world.buyer, 500, "kg", 2_100, refunded=100_000)
        p2 = payment(s, o2, status="partially_refunded", refunded=100_000)
        s.add(Refund(payment_id=p2.id, amount_paise=100_000, status="processed", reason="short", idempotency_key="k1"))
        # Tomato: 1 tonne at ₹15,000/t → ₹15,000 (10 q at ₹1,500/q); its payment lacks Razorpay's id (flagged).
        o3 = order(s, tomato, world.buyer, 1, "tonne", 1_500_000)
        payment(s, o3, provider_id=False)
        # Pending: ₹5,000 not yet paid; and a cancelled order.
        order(s, onion, world.buyer, 2.5, "quintal", 200_000, paid=False)
        order(s, onion, world.buyer, 1, "quintal", 200_000, paid=False, status="cancelled")
        # A paid order with no captured payment (flagged), in FPO A, from the other crop.
        o6 = order(s, tomato, world.buyer, 2, "quintal", 150_000)
        payment(s, o6, status="failed")
        # FPO B's sale, which FPO A must never see: ₹99,999.
        b = listing(s, other, "Onion", org_id=org_b)
        ob = order(s, b, world.buyer, 1, "quintal", 9_999_900)
        payment(s, ob)
        # Mandi prices in Nashik on the sale day: onion modal ₹1,800 and ₹2,200 (avg ₹2,000); none for tomato.
        for market, modal in (("Lasalgaon", 180_000), ("Pimpalgaon", 220_000)):
            s.add(
                MandiPrice(
                    state="Maharashtra",
                    district="Nashik",
                    market=market,
                    commodity="Onion",
                    arrival_date=SALE_DAY,
                    min_price_paise=modal - 10_000,
                    max_price_paise=modal + 10_000,
                    modal_price_paise=modal,
                )
            )
        s.add(MembershipRequest(user_id=world.buyer.id, organization_id=org_a, status="pending"))
        for channel, status, read in (
            ("sms", "delivered", False),
            ("sms", "failed", False),
            ("sms", "sent", False),
            ("email", "sent", False),
            ("in_app", "read", True),
        ):
            s.add(
                NotificationHistory(
                    idempotency_key=f"n{next(_n)}",
                    user_id=farmer.id,
                    channel=channel,
                    recipient="x",
                    body="नमस्ते",
                    status=status,
                    read_at=SALE_AT if read else None,
                )
            )
        s.add(
            NotificationHistory(
                idempotency_key=f"n{next(_n)}",
                user_id=other.id,
                channel="sms",
                recipient="y",
                body="b",
                status="failed",
            )
        )
        s.add(CropHealthReport(farmer_id=farmer.id, crop="Onion", issue_type="pest", severity="red"))
        s.add(CropHealthReport(farmer_id=farmer.id, crop="Onion", issue_type="pest", status="resolved"))
        s.add(CropHealthReport(farmer_id=other.id, crop="Onion", issue_type="pest"))
    return world


def mandi_series(commodity: str, district: str, days: list[tuple[date, int]]) -> None:
    with session_scope() as s:
        for i, (day, modal) in enumerate(days):
            s.add(
                MandiPrice(
                    state="Maharashtra",
                    district=district,
                    market=f"M{i % 2}",
                    commodity=commodity,
                    arrival_date=day,
                    min_price_paise=modal,
                    max_price_paise=modal,
                    modal_price_paise=modal,
                )
            )
