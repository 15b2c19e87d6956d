"""Money integrity (issue 10): one order, one payment; refunds by the seller's side; nothing outlives its order.

Every test runs on SQLite and PostgreSQL, through the live API and the Razorpay stand-in (official SDK)."""

import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, func, select

from kisaan_app.db import session_scope
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.market import Listing, MarketOrder, QRSession
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import AutoRefund, Payment, Refund, Subscription, WebhookEvent
from kisaan_app.providers.sandbox_keys import SANDBOX_RAZORPAY_WEBHOOK_SECRET
from kisaan_app.services.accounts import to_principal
from kisaan_app.services.errors import Conflict
from kisaan_app.services.market.orders import release_expired_holds
from kisaan_app.services.payments import auto_refunds, checkout, gateway, instruments
from sandbox.razorpay_standin import build_webhook
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import complete_checkout, make_order, payment, wait_for


@pytest.fixture
def sale(payments):
    """A cross-FPO sale: the farmer's FPO sells, the buyer belongs to another FPO."""
    seller_org = make_org("Nashik Farmers FPO")
    buyer_org = make_org("Imran Traders Co-op")
    buyer = make_user("buyer", org_id=buyer_org, name="Imran Traders")
    farmer = make_user("farmer", org_id=seller_org, district="Nashik", name="Ramesh Patil")
    return {
        "seller_org": seller_org,
        "buyer_org": buyer_org,
        "buyer": buyer,
        "farmer": farmer,
        "buyer_token": token_for(buyer),
        "admin_token": token_for(make_user("admin")),
        "seller_fpo_token": token_for(make_user("org_admin", org_id=seller_org)),
        "buyer_fpo_token": token_for(make_user("org_admin", org_id=buyer_org)),
    }


def client(live: str) -> httpx.Client:
    return httpx.Client(base_url=live, timeout=30, follow_redirects=False)


def create(live: str, token: str, order_id: int) -> httpx.Response:
    body = {"purpose": "market_order", "market_order_id": order_id}
    return client(live).post("/api/payments/create", json=body, headers=bearer(token))


def count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def order_row(order_id: int) -> MarketOrder:
    with session_scope() as session:
        return session.get(MarketOrder, order_id)


def listing_of(order_id: int) -> Listing:
    with session_scope() as session:
        return session.get(Listing, session.get(MarketOrder, order_id).listing_id)


def deliver_pending(sandbox) -> list[dict]:
    return httpx.post(f"{sandbox.config.url}/sandbox/webhooks/deliver-pending", timeout=30).json()


def webhook(live: str, event: str, entities: dict, **headers) -> httpx.Response:
    raw, signed = build_webhook(SANDBOX_RAZORPAY_WEBHOOK_SECRET, event, entities)
    return httpx.post(f"{live}/api/payments/webhook", content=raw, headers={**signed, **headers}, timeout=15)


def refund(live: str, token: str, receipt: str, amount: int, reason: str = "Quality complaint", lang: str = "en"):
    return client(live).post(
        "/api/payments/refund",
        json={"receipt": receipt, "amount_paise": amount, "reason": reason},
        headers={**bearer(token), "X-Refund-Idempotency": uuid.uuid4().hex[:20], "Accept-Language": lang},
    )


def paid_order(payments, sale, live: str, amount: int = 300_000) -> tuple[int, dict]:
    order_id = make_order(sale["buyer"].id, sale["farmer"].id, amount)
    start = create(live, sale["buyer_token"], order_id).json()
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    client(live).post("/api/payments/callback", data=fields)
    wait_for(lambda: order_row(order_id).status == "paid")
    return order_id, start


def inbox_titles(user_id: int) -> list[str]:
    with session_scope() as session:
        query = select(NotificationHistory.subject).where(
            NotificationHistory.user_id == user_id, NotificationHistory.channel == "in_app"
        )
        return list(session.exec(query).all())


# --- one open payment per order ---------------------------------------------------------------------------------


def test_concurrent_creates_for_one_order_make_one_payment_and_one_razorpay_order(payments, sale, live_api_url):
    """Two tabs, a double click and the farmer's farm-gate QR, all at once: one Payment, one Razorpay order."""
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    orders_before = len(gateway.call(gateway.client().order.all)["items"])
    tokens = [sale["buyer_token"]] * 4 + [token_for(sale["farmer"])] * 2
    barrier = threading.Barrier(len(tokens))
    answers: list[httpx.Response] = []

    def pay(token: str) -> None:
        barrier.wait()
        answers.append(create(live_api_url, token, order_id))

    threads = [threading.Thread(target=pay, args=(t,)) for t in tokens]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert [a.status_code for a in answers] == [201] * len(tokens), [a.text for a in answers]
    assert len({a.json()["razorpay_order_id"] for a in answers}) == 1
    assert count(Payment, Payment.market_order_id == order_id) == 1
    assert len(gateway.call(gateway.client().order.all)["items"]) == orders_before + 1


def test_the_database_refuses_a_second_open_payment_for_an_order(payments, sale):
    """Even code that skipped the service's checks cannot write a second open payment (partial unique index)."""
    from sqlalchemy.exc import IntegrityError

    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    row = {"payer_id": sale["buyer"].id, "purpose": "market_order", "amount_paise": 100, "market_order_id": order_id}
    with session_scope() as session:
        session.add(Payment(receipt="rcpt_first", **row))
    with pytest.raises(IntegrityError):
        with session_scope() as session:
            session.add(Payment(receipt="rcpt_second", **row))
    with session_scope() as session:  # a failed one does not count: the order may be paid afresh
        session.add(Payment(receipt="rcpt_failed", status="failed", **row))


def test_a_second_capture_on_a_paid_order_is_refunded_and_both_sides_told(payments, sale, live_api_url):
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    start = create(live_api_url, sale["buyer_token"], order_id).json()
    link = client(live_api_url).post(
        f"/api/payment/link/{start['razorpay_order_id']}", headers=bearer(sale["buyer_token"])
    )
    assert link.status_code == 201, link.text
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    client(live_api_url).post("/api/payments/callback", data=fields)
    wait_for(lambda: order_row(order_id).status == "paid")
    # The buyer also pays the SMS link they were sent: Razorpay takes the money a second time.
    paid = httpx.post(
        f"{payments.config.url}/sandbox/pay/{link.json()['payment_link_id']}",
        data={"outcome": "success", "method": "upi"},
        timeout=10,
    )
    assert paid.status_code == 303
    wait_for(lambda: count(AutoRefund, AutoRefund.reason == "duplicate_capture") == 1)
    assert auto_refunds.sweep(session_scope) == 1
    with session_scope() as session:
        back = session.exec(select(AutoRefund)).one()
        assert back.status == "requested" and back.razorpay_refund_id
        assert back.razorpay_payment_id != fields["razorpay_payment_id"]  # the second attempt, not the first
        assert session.exec(select(AuditLog).where(AuditLog.action == "payment.auto_refund")).first()
    at_razorpay = gateway.call(gateway.client().payment.fetch, back.razorpay_payment_id)
    assert at_razorpay["amount_refunded"] == start["amount_paise"]
    first = payment(start["receipt"])
    assert (first.status, first.amount_refunded_paise) == ("captured", 0)  # the sale's own money stays
    assert order_row(order_id).status == "paid"
    assert any("paid twice" in t for t in inbox_titles(sale["buyer"].id))
    assert any("being returned" in t for t in inbox_titles(sale["farmer"].id))
    assert auto_refunds.sweep(session_scope) == 0  # once


# --- refund authority and what a refund does to the order -------------------------------------------------------


def test_refunds_follow_the_sale_not_the_buyer(payments, sale, live_api_url):
    order_id, start = paid_order(payments, sale, live_api_url)
    assert refund(live_api_url, sale["buyer_fpo_token"], start["receipt"], 100).status_code == 404
    assert refund(live_api_url, sale["buyer_token"], start["receipt"], 100).status_code == 403
    assert count(Refund) == 0
    partial = refund(live_api_url, sale["seller_fpo_token"], start["receipt"], 100_000)
    assert partial.status_code == 201, partial.text
    order = order_row(order_id)
    assert (order.status, order.refunded_paise) == ("paid", 100_000)  # a partial refund shows on the order


def test_a_full_refund_before_dispatch_cancels_the_order_and_puts_the_quantity_back(payments, sale, live_api_url):
    order_id, start = paid_order(payments, sale, live_api_url)
    before = listing_of(order_id).quantity_remaining
    answer = refund(live_api_url, sale["seller_fpo_token"], start["receipt"], start["amount_paise"])
    assert answer.status_code == 201, answer.text
    order = order_row(order_id)
    assert (order.status, order.refunded_paise) == ("cancelled", start["amount_paise"])
    assert listing_of(order_id).quantity_remaining == before + order.quantity


def test_refunding_a_dispatched_order_needs_a_platform_admin(payments, sale, live_api_url):
    order_id, start = paid_order(payments, sale, live_api_url)
    shipped = client(live_api_url).post(
        f"/api/market/orders/{order_id}/status",
        json={"status": "dispatched"},
        headers=bearer(token_for(sale["farmer"])),
    )
    assert shipped.status_code == 200, shipped.text
    before = listing_of(order_id).quantity_remaining
    refused = refund(live_api_url, sale["seller_fpo_token"], start["receipt"], start["amount_paise"], lang="hi")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "refund_after_dispatch_admin_only"
    assert "एडमिन" in refused.json()["error"]["message"]  # in the reader's language
    no_reason = refund(live_api_url, sale["admin_token"], start["receipt"], start["amount_paise"], reason=" ")
    assert no_reason.status_code == 422
    done = refund(live_api_url, sale["admin_token"], start["receipt"], start["amount_paise"], reason="Spoiled")
    assert done.status_code == 201, done.text
    assert order_row(order_id).status == "refunded"
    assert listing_of(order_id).quantity_remaining == before  # the produce left the farm: nothing back on sale


# --- nothing outlives its order ---------------------------------------------------------------------------------


def test_cancelling_an_order_closes_its_link_and_qr_and_refuses_new_ones(payments, sale, live_api_url):
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    start = create(live_api_url, sale["buyer_token"], order_id).json()
    api = client(live_api_url)
    link = api.post(f"/api/payment/link/{start['razorpay_order_id']}", headers=bearer(sale["buyer_token"])).json()
    qr = api.post(f"/api/payment/qr/{start['razorpay_order_id']}", headers=bearer(sale["buyer_token"])).json()
    cancelled = api.post(
        f"/api/market/orders/{order_id}/status", json={"status": "cancelled"}, headers=bearer(sale["buyer_token"])
    )
    assert cancelled.status_code == 200, cancelled.text
    row = payment(start["receipt"])
    assert (row.status, row.failure_code) == ("cancelled", "order_cancelled")
    assert instruments.close_instruments(session_scope, row.id) == 2
    assert gateway.call(gateway.client().payment_link.fetch, link["payment_link_id"])["status"] == "cancelled"
    assert gateway.call(gateway.client().qrcode.fetch, qr["qr_id"])["status"] == "closed"
    with session_scope() as session:
        assert session.exec(select(QRSession.status)).all() == ["closed"]
    for path in (f"/api/payment/link/{start['razorpay_order_id']}", f"/api/payment/qr/{start['razorpay_order_id']}"):
        assert api.post(path, headers=bearer(sale["buyer_token"])).status_code == 409
    assert create(live_api_url, sale["buyer_token"], order_id).json()["error"]["code"] == "order_not_payable"
    with session_scope() as session, pytest.raises(Conflict):
        checkout.resume(session, to_principal(sale["buyer"]), start["receipt"])


def test_money_captured_for_a_cancelled_order_is_refunded_and_the_payer_told_the_truth(payments, sale, live_api_url):
    payments.config.send_webhooks = False  # Razorpay takes the money; its webhook is late
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    start = create(live_api_url, sale["buyer_token"], order_id).json()
    complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    cancelled = client(live_api_url).post(
        f"/api/market/orders/{order_id}/status", json={"status": "cancelled"}, headers=bearer(sale["buyer_token"])
    )
    assert cancelled.status_code == 200, cancelled.text
    assert all(200 <= d["status"] < 300 for d in deliver_pending(payments))
    row = payment(start["receipt"])
    assert row.status == "captured" and order_row(order_id).status == "cancelled"
    assert count(AutoRefund, AutoRefund.reason == "order_cancelled") == 1
    auto_refunds.sweep(session_scope)
    row = payment(start["receipt"])
    assert (row.status, row.amount_refunded_paise) == ("refunded", row.amount_paise)
    titles = inbox_titles(sale["buyer"].id)
    assert any("coming back" in t for t in titles)
    assert not any("received" in t.lower() for t in titles), titles


def test_a_cancel_while_a_payment_is_being_authorised_is_refused(payments, sale, live_api_url):
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    start = create(live_api_url, sale["buyer_token"], order_id).json()
    entity = {"id": "pay_auth00000000001", "order_id": start["razorpay_order_id"], "status": "authorized"}
    assert webhook(
        live_api_url, "payment.authorized", {"payment": {**entity, "amount": start["amount_paise"]}}
    ).is_success
    answer = client(live_api_url).post(
        f"/api/market/orders/{order_id}/status", json={"status": "cancelled"}, headers=bearer(sale["buyer_token"])
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "order_payment_in_progress"
    assert order_row(order_id).status == "pending_payment"


@pytest.mark.parametrize("attempt", range(3))
def test_webhook_racing_hold_release_never_pays_an_order_whose_quantity_went_back(
    payments, sale, live_api_url, attempt
):
    payments.config.send_webhooks = False
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    start = create(live_api_url, sale["buyer_token"], order_id).json()
    complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    with session_scope() as session:
        order = session.get(MarketOrder, order_id)
        order.hold_until = utcnow() - timedelta(minutes=1)
        session.add(order)
    listed = listing_of(order_id)
    barrier = threading.Barrier(2)

    def release():
        barrier.wait()
        with session_scope() as session:
            release_expired_holds(session)

    def settle():
        barrier.wait()
        deliver_pending(payments)

    threads = [threading.Thread(target=release), threading.Thread(target=settle)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    order, row, after = order_row(order_id), payment(start["receipt"]), listing_of(order_id)
    assert row.status == "captured"
    if order.status == "paid":  # the webhook won: the quantity stays sold
        assert after.quantity_remaining == listed.quantity_remaining
        assert count(AutoRefund) == 0
    else:  # the hold release won: the quantity is back, and the money is on its way back
        assert order.status == "cancelled"
        assert after.quantity_remaining == listed.quantity_remaining + order.quantity
        assert count(AutoRefund, AutoRefund.reason == "order_cancelled") == 1


# --- plans ------------------------------------------------------------------------------------------------------


def test_one_pending_plan_and_a_superseded_plan_payment_is_refunded(payments, sale, live_api_url):
    payments.config.send_webhooks = False
    farmer_token = token_for(sale["farmer"])
    api = client(live_api_url)

    def buy(plan: str) -> httpx.Response:
        return api.post(
            "/api/payments/create", json={"purpose": "subscription", "plan": plan}, headers=bearer(farmer_token)
        )

    monthly = buy("monthly").json()
    assert buy("monthly").json()["razorpay_order_id"] == monthly["razorpay_order_id"]
    assert buy("yearly").json()["error"]["code"] == "plan_pending"
    complete_checkout(payments.config.url, monthly["razorpay_order_id"], monthly["callback_url"])  # paid, unheard
    assert api.post("/api/payments/plans/cancel", headers=bearer(farmer_token)).status_code == 200
    yearly = buy("yearly")
    assert yearly.status_code == 201, yearly.text
    deliver_pending(payments)  # the monthly plan's money arrives for a plan nobody wants any more
    assert count(AutoRefund, AutoRefund.reason == "plan_superseded") == 1
    assert count(Subscription, Subscription.status == "active") == 0
    auto_refunds.sweep(session_scope)
    assert payment(monthly["receipt"]).status == "refunded"
    # Plan payments are refunded by platform admins only, whatever the FPO.
    assert refund(live_api_url, sale["seller_fpo_token"], yearly.json()["receipt"], 100).status_code == 404


# --- amounts --------------------------------------------------------------------------------------------------


def test_an_order_above_two_crore_rupees_is_paid_without_overflow(payments, sale, live_api_url):
    amount = 3_000_000_000  # ₹3 crore: past a 32-bit column's 2,147,483,647 paise
    order_id = make_order(sale["buyer"].id, sale["farmer"].id, amount)
    answer = create(live_api_url, sale["buyer_token"], order_id)
    assert answer.status_code == 201, answer.text
    assert payment(answer.json()["receipt"]).amount_paise == amount


def test_a_webhook_amount_or_currency_mismatch_is_recorded_and_never_settles(payments, sale, live_api_url):
    admin = make_user("admin", name="Money desk")
    order_id = make_order(sale["buyer"].id, sale["farmer"].id)
    start = create(live_api_url, sale["buyer_token"], order_id).json()
    base = {"order_id": start["razorpay_order_id"], "status": "captured", "method": "upi"}
    short = {**base, "id": "pay_short000000001", "amount": start["amount_paise"] - 100, "currency": "INR"}
    foreign = {**base, "id": "pay_usd00000000001", "amount": start["amount_paise"], "currency": "USD"}
    for entity in (short, foreign):
        answer = webhook(live_api_url, "payment.captured", {"payment": entity})
        assert answer.status_code == 200 and answer.json()["note"].startswith("not settled")
    row = payment(start["receipt"])
    assert row.status == "created" and "currency" in row.notes["mismatch"]
    assert order_row(order_id).status == "pending_payment"
    assert count(AuditLog, AuditLog.action == "payment.mismatch") == 2
    assert any("mismatch" in t for t in inbox_titles(admin.id))


def test_an_oversized_webhook_is_refused_before_its_signature_is_checked(payments, sale, live_api_url):
    huge = b'{"event": "payment.captured", "payload": {}, "pad": "' + b"x" * 70_000 + b'"}'
    answer = httpx.post(
        f"{live_api_url}/api/payments/webhook",
        content=huge,
        headers={"X-Razorpay-Signature": "0" * 64, "x-razorpay-event-id": "evt_huge"},
        timeout=15,
    )
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "webhook_too_large"
    assert count(WebhookEvent) == 0
    assert count(Payment, col(Payment.status) == "captured") == 0
