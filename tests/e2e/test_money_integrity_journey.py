"""Money integrity in the browser (issue 10): a buyer who double-clicks Pay, clicks it twice or opens a second
tab is charged once — one Payment row and one Razorpay order per marketplace order — and a sale's Refund
button is shown to the seller's FPO admin, never to the admin of the buyer's FPO.

The people are built through the services against the server's own database (as the job worker would): a
buyer who belongs to the Pune FPO buys onions from Ramesh of the Nashik FPO, so buyer and seller sit in
different FPOs."""

import os
import re

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from kisaan_app.services.context import RequestMeta
from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import ADMIN, _signed_in

pytestmark = pytest.mark.e2e

SELLER_FPO_ADMIN = ("9800000002", "FpoAdmin@123")  # Sunil Patil, Nashik Onion Growers FPO (the seed)
PUNE_BUYER = ("9800000021", "PuneBuyer@123")  # a buyer who is a member of the Pune FPO
PUNE_FPO_ADMIN = ("9800000022", "PuneAdmin@123")  # the admin of the buyer's FPO, not the seller's
SAVITA = "+919800000004"  # a Pune farmer (the seed): her advisory plan is in the Pune FPO's books
RAMESH = "+919800000003"  # the seller, Nashik FPO (the seed)
NASHIK, PUNE = "Nashik Onion Growers FPO", "Pune Kisan Producer Company"
SETUP = RequestMeta(ip="127.0.0.1", user_agent="e2e setup")
SERVER_SETTINGS = (
    "DATABASE_URL",
    "KISAAN_SECRET_KEY",
    "KISAAN_SANDBOX_PORT",
    "KISAAN_SANDBOX_PUBLIC_URL",
    "KISAAN_PUBLIC_URL",
    "KISAAN_HUEY_PATH",
)


@pytest.fixture(scope="module")
def server_db(app_server):
    """This test process's kisaan_app pointed at the e2e server's database and sandbox; restored afterwards."""
    from kisaan_app.db import reset_engine
    from kisaan_app.settings import get_settings

    saved = {name: os.environ.get(name) for name in SERVER_SETTINGS}
    os.environ.update({name: app_server.env[name] for name in SERVER_SETTINGS})
    get_settings.cache_clear()
    reset_engine()
    try:
        yield app_server
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        reset_engine()


def _user(session, phone: str):
    from kisaan_app.models.accounts import User

    return session.exec(select(User).where(User.phone == phone)).one()


def _org_id(session, name: str) -> int:
    from kisaan_app.models.accounts import Organization

    return session.exec(select(Organization.id).where(Organization.name == name)).one()


def _register(session, admin, name: str, phone: str, password: str, role: str, org_id: int):
    """Sign someone up, then have the platform admin put them in the FPO (membership is not self-chosen)."""
    from kisaan_app.models.accounts import User
    from kisaan_app.services import accounts

    user = session.exec(select(User).where(User.phone == "+91" + phone)).first()
    if user is None:
        reg = accounts.Registration(
            full_name=name, password=password, role=role, phone=phone, district="Pune", state="Maharashtra"
        )
        user = accounts.register(session, reg)
        session.flush()
    if user.organization_id != org_id:
        accounts.set_organization(session, admin, user.id, org_id, SETUP)
    return user


@pytest.fixture(scope="module")
def people(server_db):
    """The Pune buyer and the Pune FPO's admin (made once, as a platform admin would make an org admin)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services import accounts

    with session_scope() as session:
        pune = _org_id(session, PUNE)
        admin = accounts.to_principal(_user(session, "+91" + ADMIN[0]))
        buyer = _register(session, admin, "Pune Fresh Traders", *PUNE_BUYER, "buyer", pune)
        fpo_admin = _register(session, admin, "Meena Kulkarni", *PUNE_FPO_ADMIN, "farmer", pune)
        if fpo_admin.role != "org_admin":
            accounts.change_role(session, admin, fpo_admin.id, "org_admin", SETUP)
        assert buyer.organization_id == pune != _user(session, RAMESH).organization_id
        return {"buyer_id": buyer.id}


def _new_sale(people, quintals: float = 2, rupees_per_quintal: int = 2000) -> tuple[int, str]:
    """Ramesh (Nashik FPO) lists onions; the Pune buyer bids his auto-accept price, which makes the order at
    once (listing → bid → order through the market services). Returns (order id, order number)."""
    from kisaan_app.db import session_scope
    from kisaan_app.models.market import MarketOrder
    from kisaan_app.services import accounts
    from kisaan_app.services.market import bids, listings

    price = rupees_per_quintal * 100
    with session_scope() as session:
        seller = accounts.to_principal(_user(session, RAMESH))
        listing = listings.create_listing(
            session,
            seller,
            None,
            listings.ListingInput(
                crop="Onion",
                quantity=10,
                unit="quintal",
                price_paise=price,
                district="Nashik",
                state="Maharashtra",
                auto_accept_price_paise=price,
            ),
        )
        buyer = accounts.to_principal(_user(session, "+91" + PUNE_BUYER[0]))
        order = bids.place_bid(session, buyer, None, listing.id, quintals, price)
        assert isinstance(order, MarketOrder) and order.status == "pending_payment"
        assert order.organization_id == _org_id(session, NASHIK)  # the sale is in the seller's FPO's books
        return order.id, order.order_number


def _payments_for(order_id: int):
    from kisaan_app.db import session_scope
    from kisaan_app.models.payments import Payment

    with session_scope() as session:
        rows = session.exec(select(Payment).where(Payment.market_order_id == order_id).order_by(col(Payment.id)))
        return [(p.receipt, p.status, p.razorpay_order_id, p.amount_paise) for p in rows]


def _sandbox(path: str) -> dict:
    from kisaan_app.providers.sandbox_keys import SANDBOX_RAZORPAY_KEY_ID, SANDBOX_RAZORPAY_KEY_SECRET

    url = f"http://127.0.0.1:{os.environ['KISAAN_SANDBOX_PORT']}{path}"
    answer = httpx.get(url, auth=(SANDBOX_RAZORPAY_KEY_ID, SANDBOX_RAZORPAY_KEY_SECRET), timeout=10)
    answer.raise_for_status()
    return answer.json()


def _razorpay_orders_for(order_id: int) -> list[dict]:
    """The Razorpay orders the sandbox was asked to make for this marketplace order (all of them, any state)."""
    items = _sandbox("/v1/orders")["items"]
    return [o for o in items if o.get("notes", {}).get("market_order_id") == str(order_id)]


def _checkout_order_id(page) -> str:
    page.wait_for_url(re.compile(r"/sandbox/checkout/order_"))
    expect(page.get_by_text("TEST MODE", exact=False).first).to_be_visible()
    return re.search(r"/sandbox/checkout/(order_[A-Za-z0-9]+)", page.url).group(1)


def _charged_once(order_id: int, amount_paise: int, razorpay_order_id: str, status: str) -> str:
    """Exactly one Payment row and one Razorpay order for the order, the same one the browser was sent to."""
    rows = _payments_for(order_id)
    assert len(rows) == 1, rows
    receipt, got_status, got_order, got_amount = rows[0]
    assert (got_status, got_order, got_amount) == (status, razorpay_order_id, amount_paise), rows
    orders = _razorpay_orders_for(order_id)
    assert [o["id"] for o in orders] == [razorpay_order_id], orders
    assert orders[0]["amount"] == amount_paise and orders[0]["receipt"] == receipt
    return receipt


def _pay_in_sandbox(page, order_id: int, razorpay_order_id: str) -> str:
    page.locator("#sandbox-pay-success").click()
    page.wait_for_url(re.compile(r"/payments/view/?\?receipt=rcpt_"))
    expect(page.locator("#payment-status")).to_have_text("Paid", timeout=15_000)
    attempts = _sandbox(f"/v1/orders/{razorpay_order_id}/payments")["items"]
    assert [a["status"] for a in attempts] == ["captured"], attempts
    return re.search(r"receipt=(rcpt_[0-9a-f]+)", page.url).group(1)


def test_double_click_two_clicks_and_a_second_tab_charge_once(browser, live_server, people):
    order_a, number_a = _new_sale(people)
    order_b, number_b = _new_sale(people, quintals=3)
    buyer_ctx, buyer = _signed_in(browser, live_server, PUNE_BUYER)
    tab_ctx, tab = _signed_in(browser, live_server, PUNE_BUYER)
    try:
        # A double click on the order's Pay button: one payment, one Razorpay order, one checkout.
        buyer.goto("/orders")
        expect(buyer.locator(f"#order-{order_a}")).to_contain_text("₹4,000")
        buyer.locator(f"#order-pay-{order_a}").dblclick()
        rzp_a = _checkout_order_id(buyer)
        _charged_once(order_a, 400_000, rzp_a, "created")

        # The same buyer in a second tab presses Pay on the same order: it reuses the open payment.
        tab.goto("/payments")
        tab.locator(".awaiting-order", has_text=number_a).get_by_role("button").click()
        assert _checkout_order_id(tab) == rzp_a
        _charged_once(order_a, 400_000, rzp_a, "created")

        buyer.locator("#sandbox-pay-success").wait_for()
        screenshot(buyer, "money-1-one-checkout-after-double-click")
        receipt_a = _pay_in_sandbox(buyer, order_a, rzp_a)
        assert _charged_once(order_a, 400_000, rzp_a, "captured") == receipt_a

        # Two quick clicks, in the same tick, on the Pay button of the payments page.
        buyer.goto("/payments")
        pay_b = buyer.locator(".awaiting-order", has_text=number_b).get_by_role("button")
        expect(pay_b).to_be_enabled()
        pay_b.evaluate("button => { button.click(); button.click(); }")
        rzp_b = _checkout_order_id(buyer)
        _charged_once(order_b, 600_000, rzp_b, "created")
        receipt_b = _pay_in_sandbox(buyer, order_b, rzp_b)
        assert _charged_once(order_b, 600_000, rzp_b, "captured") == receipt_b

        # The buyer's own history lists each order's payment once, paid, and neither is still awaiting payment.
        buyer.goto("/payments")
        history = buyer.locator("#payments-table")
        for number in (number_a, number_b):
            expect(history.locator("tr", has_text=number)).to_have_count(1)
            expect(history.locator("tr", has_text=number)).to_contain_text("Paid")
            expect(buyer.locator(".awaiting-order", has_text=number)).to_have_count(0)
        expect(buyer.locator(".refund-button")).to_have_count(0)  # a buyer never refunds
        screenshot(buyer, "money-2-buyer-paid-once")
    finally:
        buyer_ctx.close()
        tab_ctx.close()


def _complete(razorpay_order_id: str) -> None:
    from tests.payments_support import complete_checkout

    callback = os.environ["KISAAN_PUBLIC_URL"] + "/api/payments/callback"
    complete_checkout(os.environ["KISAAN_SANDBOX_PUBLIC_URL"], razorpay_order_id, callback)


def _paid_sale(people) -> tuple[str, str]:
    """A sale paid through the sandbox checkout (Checkout's page driven over HTTP; the webhook settles it)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services import accounts
    from kisaan_app.services.payments import checkout
    from tests.payments_support import wait_for

    order_id, number = _new_sale(people, quintals=1)
    with session_scope() as session:
        buyer = accounts.to_principal(_user(session, "+91" + PUNE_BUYER[0]))
        payment = checkout.start_order_payment(session, buyer, None, order_id)
        receipt, rzp = payment.receipt, payment.razorpay_order_id
    _complete(rzp)
    wait_for(lambda: _payments_for(order_id)[0][1] == "captured", timeout=15)
    return receipt, number


def _paid_plan() -> str:
    """Savita (a Pune farmer) buys the monthly plan: a payment in the Pune FPO's books that only a platform
    admin may refund."""
    from kisaan_app.db import session_scope
    from kisaan_app.models.payments import Payment
    from kisaan_app.services import accounts
    from kisaan_app.services.payments import checkout
    from tests.payments_support import wait_for

    with session_scope() as session:
        farmer = _user(session, SAVITA)
        paid = session.exec(select(Payment).where(Payment.payer_id == farmer.id, Payment.status == "captured")).first()
        if paid is not None:
            return paid.receipt
        payment = checkout.start_plan_payment(session, accounts.to_principal(farmer), None, "monthly")
        receipt, rzp = payment.receipt, payment.razorpay_order_id

    def captured() -> bool:
        with session_scope() as session:
            return session.exec(select(Payment.status).where(Payment.receipt == receipt)).one() == "captured"

    _complete(rzp)
    wait_for(captured, timeout=15)
    return receipt


def _admin_payments(page, width_name: str, who: str):
    page.goto("/admin/payments")
    expect(page.locator("#admin-payments-table")).to_be_visible()
    screenshot(page, f"money-admin-payments-{who}-{width_name}")


def test_refund_button_for_the_sellers_fpo_admin_never_the_buyers(browser, live_server, people):
    sale, number = _paid_sale(people)
    plan = _paid_plan()

    # The buyer's FPO admin: the sale is not in their books at all, and its page is not theirs to see. Their
    # own FPO's plan payment is listed, without a Refund button (plan payments are for platform admins).
    for width, width_name in ((360, "360"), (1280, "1280")):
        ctx, pune_admin = _signed_in(browser, live_server, PUNE_FPO_ADMIN, width=width)
        try:
            _admin_payments(pune_admin, width_name, "buyers-fpo")
            table = pune_admin.locator("#admin-payments-table")
            expect(table.locator("tr", has_text="Savita Jadhav")).to_contain_text("Advisory plan")
            expect(table).not_to_contain_text(number)
            expect(pune_admin.locator(f"#refund-{sale}")).to_have_count(0)
            expect(pune_admin.locator(f"#refund-{plan}")).to_have_count(0)
            expect(pune_admin.locator(".refund-button")).to_have_count(0)
            pune_admin.goto(f"/payments/view?receipt={sale}")
            expect(pune_admin.get_by_text("We could not find that payment.").first).to_be_visible()
            expect(pune_admin.locator(".refund-button")).to_have_count(0)
            pune_admin.goto(f"/payments/view?receipt={plan}")
            expect(pune_admin.locator("#payment-status")).to_have_text("Paid")
            expect(pune_admin.locator(".refund-button")).to_have_count(0)
            screenshot(pune_admin, f"money-view-buyers-fpo-{width_name}")
        finally:
            ctx.close()

    # The seller's FPO admin sees the sale with its Refund button, in the list and on the payment's page.
    for width, width_name in ((360, "360"), (1280, "1280")):
        ctx, seller_admin = _signed_in(browser, live_server, SELLER_FPO_ADMIN, width=width)
        try:
            _admin_payments(seller_admin, width_name, "sellers-fpo")
            row = seller_admin.locator("#admin-payments-table tr", has_text=number)
            expect(row.locator(f"#refund-{sale}")).to_be_visible()
            expect(seller_admin.locator(f"#refund-{plan}")).to_have_count(0)  # not their books either
            seller_admin.goto(f"/payments/view?receipt={sale}")
            expect(seller_admin.locator("#payment-status")).to_have_text("Paid")
            expect(seller_admin.locator(f"#refund-{sale}")).to_be_visible()
            screenshot(seller_admin, f"money-view-sellers-fpo-{width_name}")
            if width == 1280:
                # And it works from the payment's page: refund ₹500 of the ₹2,000, confirmed in two steps.
                seller_admin.locator(f"#refund-{sale}").click()
                expect(seller_admin.locator("#refund-amount")).to_have_value("2000.00")
                screenshot(seller_admin, "money-view-refund-dialog-1280")
                seller_admin.fill("#refund-amount", "500")
                seller_admin.fill("#refund-reason", "Two bags short on delivery")
                seller_admin.locator("#refund-review").click()
                expect(seller_admin.locator("#refund-summary")).to_contain_text("₹500")
                seller_admin.locator("#refund-confirm").click()
                expect(seller_admin.locator("#refund-done")).to_be_visible()
                seller_admin.get_by_role("dialog").get_by_role("button", name="Close").click()
                expect(seller_admin.locator("#payment-status")).to_have_text("Partly refunded", timeout=15_000)
                expect(seller_admin.locator("#refunds-table")).to_contain_text("₹500")
        finally:
            ctx.close()

    # A platform admin may refund both the sale and the plan.
    ctx, admin = _signed_in(browser, live_server, ADMIN, width=1280)
    try:
        admin.goto("/admin/payments")
        expect(admin.locator(f"#refund-{sale}")).to_be_visible()
        expect(admin.locator(f"#refund-{plan}")).to_be_visible()
    finally:
        ctx.close()
