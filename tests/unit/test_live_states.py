"""verify_action for every live state (Zulip's idea): load a tab, act through a service, apply what the bus
carried to that tab, and compare with a fresh load after the action — both must be equal.

Real database (SQLite and PostgreSQL), real bus (memory; one case through Redis). Compared are the vars a
page draws from the database; left out are what only a live update has by design: the "just arrived"
highlights (`flash`, `fresh`), a live report's "just now" time, and the counters of live ticks.
"""

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.payments import Payment
from kisaan_app.realtime import bus as bus_module
from kisaan_app.realtime.redis_bus import RedisBus
from kisaan_app.services import accounts, crop_health, inbox
from kisaan_app.services.accounts import profiles
from kisaan_app.services.feeds import price_board, weather
from kisaan_app.services.feeds.prices import PriceRecord
from kisaan_app.services.market import bids, listings
from kisaan_app.services.notifications import Audience, campaigns
from kisaan_app.services.onboarding import members, runner
from kisaan_app.services.payments import lifecycle
from kisaan_app.state.admin_messages import AdminMessagesState
from kisaan_app.state.admin_payments import AdminPaymentsState
from kisaan_app.state.crop_cases import CropCasesState
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.live import live_states
from kisaan_app.state.market import ListingState
from kisaan_app.state.member_import import MemberImportState
from kisaan_app.state.orders import OrdersState
from kisaan_app.state.payments import PaymentsState, PaymentViewState
from kisaan_app.state.payouts import PayoutsState
from kisaan_app.state.session import SessionState
from tests.factories import META, make_org, make_user, token_for
from tests.live_tab import Capture, Tab, forget_all_tabs, run_in_app
from tests.payments_support import make_order
from tests.services import require_redis

COSMETIC = {"flash", "fresh"}  # row fields only a live update sets
LIVE_ONLY = {"live_ticks", "last_event_ms"}
FORM_KEYS = {"bid_key", "counter_key", "form_key"}  # a fresh key per rendered form: two tabs never share one


@pytest.fixture(autouse=True)
def _no_tabs_from_other_tests():
    forget_all_tabs()
    yield
    forget_all_tabs()


def _plain(value):
    value = getattr(value, "__wrapped__", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # typed rows compare as their fields
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in COSMETIC}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def snapshot(state, ignore: set[str] = frozenset()) -> dict:
    """The state's own vars (not its parents'), as plain data."""
    names = set(type(state).base_vars) - LIVE_ONLY - FORM_KEYS - set(ignore)
    return {name: _plain(getattr(state, name)) for name in sorted(names)}


def p(user):
    return accounts.to_principal(user)


async def verify_action(user, cls, act, *, path="/", query=None, ignore=frozenset(), prepare=None, on_load="load"):
    """Load `cls` in a tab of `user`, run `act` through the services, apply that tab's events, compare with a
    fresh load. Returns (events applied, the live state) for further checks."""
    token = await asyncio.to_thread(token_for, user)
    before = Tab(token, path, **(query or {}))
    state = await before.open(cls, on_load)
    if prepare is not None:
        await prepare(state)
    capture = Capture()
    await capture.run(act)
    events = capture.for_user(user)
    await before.apply(events)
    after = Tab(token, path, **(query or {}))
    fresh = await after.open(cls, on_load)
    if prepare is not None:
        await prepare(fresh)
    assert snapshot(state, ignore) == snapshot(fresh, ignore)
    header_before, header_fresh = await before.state(SessionState), await after.state(SessionState)
    assert header_before.unread_count == header_fresh.unread_count
    return events, state


# ---------------------------------------------------------------- the declarations


def test_every_live_state_is_found_by_its_declaration_and_covered_here():
    found = {cls.__name__ for cls in live_states()}
    assert found == {
        "SessionState",
        "DashboardState",
        "ListingState",
        "OrdersState",
        "PaymentsState",
        "PaymentViewState",
        "AdminPaymentsState",
        "AdminMessagesState",
        "PayoutsState",
        "CropCasesState",
        "MemberImportState",
    }
    assert live_states()[0] is SessionState  # the header first: a revoked tab stops before anything else


# ---------------------------------------------------------------- the header and the farmer's dashboard


def _farmer(org: int | None = None):
    farmer = make_user("farmer", district="Nashik", org_id=org, name="Ramesh Pawar")
    with session_scope() as session:
        profiles.update_profile(session, p(farmer), {"crops": ["Onion"], "state": "Maharashtra"}, META)
    return farmer


def _tick(modal: int, day: date, market: str = "Lasalgaon") -> None:
    record = PriceRecord(
        state="Maharashtra",
        district="Nashik",
        market=market,
        commodity="Onion",
        variety="Red",
        grade="FAQ",
        arrival_date=day,
        min_price_paise=modal - 20_000,
        max_price_paise=modal + 20_000,
        modal_price_paise=modal,
    )
    with session_scope() as session:
        price_board.record_tick(session, record)


def test_dashboard_price_ticks(db):
    farmer = _farmer()
    today = date.today()
    _tick(200_000, today - timedelta(days=1))

    def act():
        _tick(210_000, today)  # the series moves on
        _tick(190_000, today, market="Pimpalgaon")  # a new market near the farmer

    events, state = run_in_app(verify_action(farmer, DashboardState, act))
    assert [e.topic for e in events] == ["price", "price"]
    assert {row.market for row in state.prices} == {"Lasalgaon", "Pimpalgaon"}
    assert all(row.flash is True for row in state.prices)  # both series just moved live


def test_dashboard_weather_warning_and_its_inbox_message_then_the_cancel(db):
    farmer, admin = _farmer(), make_user("admin")
    now = utcnow()

    def issue():
        with session_scope() as session:
            return weather.issue_alert(
                session,
                p(admin),
                META,
                district="Nashik",
                state="Maharashtra",
                severity="red",
                title="Hailstorm",
                message="Cover the nursery",
                valid_from=now,
                valid_until=now + timedelta(hours=6),
            ).id

    events, state = run_in_app(verify_action(farmer, DashboardState, issue))
    assert {e.topic for e in events} == {"weather", "notification"}
    assert [a.title for a in state.alerts] == ["Hailstorm"] and state.unread_count == 1
    assert state.alerts[0].fresh is True and isinstance(state.alerts[0].id, int)
    alert_id = state.alerts[0].id

    def cancel():
        with session_scope() as session:
            weather.cancel_alert(session, p(admin), META, alert_id)

    events, state = run_in_app(verify_action(farmer, DashboardState, cancel))
    assert [e.topic for e in events] == ["weather"] and state.alerts == []


def test_dashboard_crop_health_report(db):
    farmer = _farmer()

    def act():
        with session_scope() as session:
            crop_health.report_issue(session, p(farmer), META, crop="Onion", issue_type="pest", note="Thrips")

    events, state = run_in_app(verify_action(farmer, DashboardState, act, ignore={"reports"}))
    # A live report shows "just now" where a load shows the clock time: the rest must match.
    fresh_tab = Tab(token_for(farmer))
    fresh = run_in_app(fresh_tab.open(DashboardState))
    assert [{k: v for k, v in r.items() if k != "when"} for r in _plain(state.reports)] == [
        {k: v for k, v in r.items() if k != "when"} for r in _plain(fresh.reports)
    ]
    assert [e.topic for e in events] == ["crop_health"]


EPHEMERAL = {"banner", "banner_level"}  # a broadcast is news of the moment: a later load does not repeat it


def test_header_unread_badge_follows_new_and_read_messages(db):
    buyer = make_user("buyer")  # not a farmer: only the header takes the event

    def add():
        with session_scope() as session:
            inbox.add(session, buyer.id, category="system", title="Welcome", body="Hello")

    events, header = run_in_app(verify_action(buyer, SessionState, add, ignore=EPHEMERAL, on_load="check_signed_in"))
    assert header.unread_count == 1

    def read_all():
        with session_scope() as session:
            inbox.mark_read(session, p(buyer))

    events, header = run_in_app(
        verify_action(buyer, SessionState, read_all, ignore=EPHEMERAL, on_load="check_signed_in")
    )
    assert header.unread_count == 0 and [e.topic for e in events] == ["notification"]


def test_header_shows_a_broadcast_to_its_fpo_and_not_to_others(db):
    """A banner is news of the moment (no load brings it back), so this one is checked on its own."""
    org, other_org = make_org("Nashik FPO"), make_org("Pune FPO")
    member, outsider = make_user("farmer", org_id=org), make_user("farmer", org_id=other_org)
    manager = make_user("org_admin", org_id=org)

    async def scenario():
        tabs = [Tab(await asyncio.to_thread(token_for, who)) for who in (member, outsider)]
        for tab in tabs:
            await tab.open(SessionState, "check_signed_in")
        capture = Capture()
        await capture.run(lambda: _broadcast(manager, "Meeting at 5"))
        for tab, who in zip(tabs, (member, outsider), strict=True):
            await tab.apply(capture.for_user(who))
        return [(h.banner, h.banner_level) for h in [await t.state(SessionState) for t in tabs]]

    assert run_in_app(scenario()) == [("Meeting at 5", "warning"), ("", "info")]


def _broadcast(actor, message: str) -> None:
    from kisaan_app.services import broadcasts

    with session_scope() as session:
        broadcasts.send_broadcast(session, p(actor), META, message, level="warning")


# ---------------------------------------------------------------- the marketplace


def _listing(farmer) -> int:
    data = listings.ListingInput(
        crop="Onion", quantity=20, unit="quintal", price_paise=200_000, district="Nashik", state="Maharashtra"
    )
    with session_scope() as session:
        return listings.create_listing(session, p(farmer), META, data).id


def test_listing_page_of_the_seller_takes_a_new_bid(db):
    org = make_org("Nashik FPO")
    farmer, buyer = _farmer(org), make_user("buyer")
    listing_id = _listing(farmer)

    def act():
        with session_scope() as session:
            bids.place_bid(session, p(buyer), META, listing_id, 5, 190_000, "Can you deliver?")

    query = {"id": str(listing_id)}
    events, state = run_in_app(verify_action(farmer, ListingState, act, path="/market/listing", query=query))
    # The bid, and the farmer's inbox entry telling them of it (services/market/notices.py).
    assert sorted(e.topic for e in events) == ["bid", "notification"] and len(state.threads) == 1


def test_orders_page_of_the_buyer_takes_the_order_an_accepted_bid_makes(db):
    farmer, buyer = _farmer(), make_user("buyer")
    listing_id = _listing(farmer)
    with session_scope() as session:
        bid_id = bids.place_bid(session, p(buyer), META, listing_id, 5, 190_000).id

    def act():
        with session_scope() as session:
            bids.accept(session, p(farmer), META, bid_id)

    events, state = run_in_app(verify_action(buyer, OrdersState, act, path="/orders"))
    assert "order" in {e.topic for e in events} and len(state.rows) == 1
    # The buyer's open listing page moves too (the listing's remaining quantity, the thread's status).
    query = {"id": str(listing_id)}
    run_in_app(verify_action(buyer, ListingState, lambda: None, path="/market/listing", query=query))


# ---------------------------------------------------------------- payments


def _payment(buyer, farmer) -> str:
    order_id = make_order(buyer.id, farmer.id)
    with session_scope() as session:
        payment = Payment(
            payer_id=buyer.id,
            organization_id=farmer.organization_id,
            purpose="market_order",
            market_order_id=order_id,
            amount_paise=250_000,
            receipt=f"rcpt-{order_id}",
            razorpay_order_id=f"order_T{order_id}",
        )
        session.add(payment)
        session.flush()
        return payment.receipt


def _capture(receipt: str):
    def act():
        with session_scope() as session:
            payment = session.exec(select(Payment).where(Payment.receipt == receipt)).one()
            lifecycle.move(session, payment, "captured", source="webhook")

    return act


def test_payment_pages_of_the_payer_follow_a_capture(db):
    org = make_org("Nashik FPO")
    farmer, buyer = _farmer(org), make_user("buyer")
    receipt = _payment(buyer, farmer)
    events, state = run_in_app(verify_action(buyer, PaymentsState, _capture(receipt), path="/payments"))
    assert "payment" in {e.topic for e in events} and state.payments[0].status == "captured"


def test_the_open_payment_page_follows_its_payment(db):
    farmer, buyer = _farmer(), make_user("buyer")
    receipt = _payment(buyer, farmer)
    path, query = "/payments/view", {"receipt": receipt}
    events, state = run_in_app(verify_action(buyer, PaymentViewState, _capture(receipt), path=path, query=query))
    assert state.detail.status == "captured"


def test_the_fpo_admins_payments_page_follows_a_members_sale(db):
    org = make_org("Nashik FPO")
    farmer, buyer, manager = _farmer(org), make_user("buyer"), make_user("org_admin", org_id=org)
    receipt = _payment(buyer, farmer)
    events, state = run_in_app(verify_action(manager, AdminPaymentsState, _capture(receipt), path="/admin/payments"))
    assert [e.target for e in events if e.topic == "payment"] == [f"managers:{org}"]
    assert [r.status for r in state.rows] == ["captured"]


def test_the_farmers_payouts_page_follows_a_sale_being_paid(db):
    farmer, buyer = _farmer(make_org("Nashik FPO")), make_user("buyer")
    receipt = _payment(buyer, farmer)
    events, state = run_in_app(verify_action(farmer, PayoutsState, _capture(receipt), path="/payouts"))
    assert "payment" in {e.topic for e in events}
    assert [(r.status, r.fee, r.seller) for r in state.rows] == [("pending", "₹50", "₹2,450")]


# ---------------------------------------------------------------- bulk sends


def test_the_bulk_send_on_screen_follows_its_progress(db):
    admin = make_user("admin")
    for _ in range(2):
        make_user("farmer", district="Nashik")
    with session_scope() as session:
        campaign_id = campaigns.start_campaign(
            session,
            p(admin),
            META,
            audience=Audience(district="Nashik"),
            channels=["in_app"],
            category="system",
            template_key=None,
            subject="Mandi holiday",
            text="The mandi is closed on Friday",
        ).id

    async def watch(state):
        state.campaign_id = campaign_id
        await asyncio.to_thread(state._reload_live)

    def act():
        campaigns.write_deliveries(campaign_id)  # what the worker's run_campaign job does

    run_in_app(verify_action(admin, AdminMessagesState, act, path="/admin/messages", prepare=watch))


# ---------------------------------------------------------------- crop cases and member imports


def test_the_crop_cases_page_of_the_fpo_takes_a_members_new_report(db):
    org = make_org("Nashik FPO")
    farmer, manager = _farmer(org), make_user("org_admin", org_id=org)

    def act():
        with session_scope() as session:
            crop_health.report_issue(session, p(farmer), META, crop="Onion", issue_type="pest", note="Thrips")

    events, state = run_in_app(verify_action(manager, CropCasesState, act, path="/admin/crop-cases"))
    assert "crop_health" in {e.topic for e in events}
    assert [(c.crop, c.status) for c in state.cases] == [("Onion", "open")]


def test_the_member_import_page_follows_its_import(db):
    org = make_org("Nashik FPO")
    manager = make_user("org_admin", org_id=org)
    with session_scope() as session:
        raw = b"name,phone\nMember One,9822011111\nMember Two,9822022222\n"
        import_id = members.start_import(session, p(manager), META, raw, "m.csv").id

    def act():
        runner.run_import(session_scope, import_id)  # what the worker's onboarding.run_import job does

    events, state = run_in_app(verify_action(manager, MemberImportState, act, path="/admin/members/import"))
    assert [e.topic for e in events if e.topic == "member_import"] == ["member_import"]
    assert [(i.done, i.total, i.percent) for i in state.imports] == [(2, 2, 100)]


# ---------------------------------------------------------------- Redis


def test_dashboard_over_the_redis_bus(db, monkeypatch):
    url = require_redis()
    redis_bus = RedisBus(url, channel="kisaansay:test:live-states")
    monkeypatch.setattr(bus_module, "get_bus", lambda: redis_bus)
    farmer = _farmer()
    events, state = run_in_app(verify_action(farmer, DashboardState, lambda: _tick(220_000, date.today())))
    assert [e.topic for e in events] == ["price"] and state.prices[0].modal
