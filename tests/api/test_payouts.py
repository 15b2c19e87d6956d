"""Money to farmers through Razorpay Route, end to end on both databases: the official SDK against the sandbox's
Route, signed transfer/settlement webhooks into the live API, and the payout sync run as the worker runs it."""

import uuid

import httpx
import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import Refund, WebhookEvent
from kisaan_app.models.payouts import LinkedAccount, Payout
from kisaan_app.services.accounts import to_principal
from kisaan_app.services.market import orders
from kisaan_app.services.payouts import accounts, ledger, reconcile, transfers
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import complete_checkout, make_order, wait_for

FORM = {
    "kind": "bank",
    "legal_name": "Ramesh Patil",
    "beneficiary_name": "Ramesh Patil",
    "pan": "ABCPP1234F",
    "email": "ramesh@example.com",
    "phone": "9876543210",
    "street": "Gat 12, Pimpalgaon",
    "city": "Nashik",
    "state": "Maharashtra",
    "pincode": "422209",
    "account_number": "123456789012",
    "ifsc": "SBIN0001234",
}


@pytest.fixture
def sale(payments):
    org = make_org("Nashik Farmers FPO")
    buyer = make_user("buyer", org_id=make_org("Imran Traders"), name="Imran Traders")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh Patil")
    return {"org": org, "buyer": buyer, "farmer": farmer, "buyer_token": token_for(buyer), "token": token_for(farmer)}


def client(live: str) -> httpx.Client:
    return httpx.Client(base_url=live, timeout=15)


def pay(live: str, sandbox_url: str, token: str, order_id: int) -> None:
    start = (
        client(live)
        .post(
            "/api/payments/create", json={"purpose": "market_order", "market_order_id": order_id}, headers=bearer(token)
        )
        .json()
    )
    fields = complete_checkout(sandbox_url, start["razorpay_order_id"], start["callback_url"])
    client(live).post("/api/payments/callback", data=fields)


def payout_of(order_id: int) -> Payout:
    with session_scope() as session:
        row = session.exec(select(Payout).where(Payout.market_order_id == order_id)).one()
        session.expunge(row)
        return row


def events(name: str) -> int:
    with session_scope() as session:
        return len(session.exec(select(WebhookEvent.id).where(WebhookEvent.event_type == name)).all())


def adds_up(row: Payout) -> bool:
    """money in = fee + (transferred − reversed) + refunds"""
    return row.gross_paise == row.fee_paise + row.transfer_paise - row.reversed_paise + row.refunded_paise


def test_linked_account_form_is_checked_and_created_once(sale, live_api_url):
    api = client(live_api_url)
    headers = bearer(sale["token"])
    for field, bad, code in (
        ("ifsc", "SBIN1234", "linked_account_ifsc"),
        ("pan", "12345", "linked_account_pan"),
        ("account_number", "12ab", "linked_account_number"),
        ("pincode", "0123", "linked_account_pincode"),
        ("phone", "12345", "linked_account_phone"),
    ):
        answer = api.post("/api/payouts/account", json={**FORM, field: bad}, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code, answer.text
    hindi = api.post(
        "/api/payouts/account",
        json={**FORM, "kind": "upi", "upi_vpa": "no-at-sign"},
        headers={**headers, "Accept-Language": "hi"},
    )
    assert hindi.json()["error"]["code"] == "linked_account_vpa"
    assert api.get("/api/payouts/account", headers=headers).json() is None  # nothing half-written

    made = api.post("/api/payouts/account", json=FORM, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json() | {} == {
        "status": "active",
        "kind": "bank",
        "beneficiary_name": "Ramesh Patil",
        "account_last4": "9012",
        "ifsc": "SBIN0001234",
        "upi_vpa": None,
        "last_error": None,
    }
    again = api.post("/api/payouts/account", json=FORM, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "linked_account_active"
    with session_scope() as session:
        row = session.exec(select(LinkedAccount).where(LinkedAccount.user_id == sale["farmer"].id)).one()
    account = httpx.get(
        f"{payout_sandbox_url()}/v2/accounts/{row.razorpay_account_id}", auth=sandbox_auth(), timeout=10
    ).json()
    assert account["legal_info"]["pan"] == "ABCPP1234F" and account["status"] == "activated"
    assert "1234F" not in str(row.model_dump())  # we keep a PAN hint, never the PAN
    buyer = api.post("/api/payouts/account", json=FORM, headers=bearer(sale["buyer_token"]))
    assert buyer.status_code == 403  # a buyer is paid nothing


def payout_sandbox_url() -> str:
    import os

    return os.environ["KISAAN_SANDBOX_PUBLIC_URL"]


def sandbox_auth() -> tuple[str, str]:
    from kisaan_app.providers import sandbox_keys

    return (sandbox_keys.SANDBOX_RAZORPAY_KEY_ID, sandbox_keys.SANDBOX_RAZORPAY_KEY_SECRET)


def test_transfer_on_hold_reversed_on_refund_released_on_delivery_and_settled(sale, payments, live_api_url):
    order_id = make_order(sale["buyer"].id, sale["farmer"].id, 250_000, sale["org"])
    pay(live_api_url, payments.config.url, sale["buyer_token"], order_id)
    wait_for(lambda: events("order.paid") == 1)
    waiting = payout_of(order_id)
    assert (waiting.gross_paise, waiting.fee_bps, waiting.fee_paise) == (250_000, 200, 5_000)
    # No linked account yet: the share waits for one, and the account's activation wakes it.
    assert transfers.sync(session_scope, waiting.id) == "awaiting_account"
    accounts.set_up(session_scope, principal(sale["farmer"].id), accounts.AccountForm(**FORM))

    assert transfers.sync(session_scope, waiting.id) == "on_hold"
    held = payout_of(order_id)
    assert (held.transfer_paise, held.on_hold) == (245_000, True) and adds_up(held)
    assert transfers.sync(session_scope, waiting.id) == "on_hold"  # again: no second transfer
    remote = httpx.get(
        f"{payments.config.url}/v1/payments/{paid_id(order_id)}/transfers", auth=sandbox_auth(), timeout=10
    ).json()
    assert remote["count"] == 1 and remote["items"][0]["on_hold"] is True
    wait_for(lambda: events("transfer.processed") == 1)

    # A partial refund reverses the seller's part of it once the refund is processed (the fee shrinks too).
    admin = token_for(make_user("admin"))
    receipt = receipt_of(order_id)
    answer = client(live_api_url).post(
        "/api/payments/refund",
        json={"receipt": receipt, "amount_paise": 50_000, "reason": "Short weight"},
        headers={**bearer(admin), "X-Refund-Idempotency": f"short-{uuid.uuid4().hex[:8]}"},
    )
    assert answer.status_code == 201, answer.text
    wait_for(lambda: refund_processed(order_id))
    transfers.sync(session_scope, waiting.id)
    transfers.sync(session_scope, waiting.id)  # twice: still one reversal
    after = payout_of(order_id)
    assert (after.refunded_paise, after.fee_paise, after.transfer_paise - after.reversed_paise) == (
        50_000,
        4_000,
        196_000,
    )
    assert adds_up(after) and after.status == "on_hold"

    # The buyer confirms delivery: the hold is lifted.
    seller, buyer = principal(sale["farmer"].id), principal(sale["buyer"].id)
    with session_scope() as session:
        orders.advance(session, seller, None, order_id, "dispatched")
    with session_scope() as session:
        orders.advance(session, buyer, None, order_id, "delivered")
    assert transfers.sync(session_scope, waiting.id) == "released"
    assert payout_of(order_id).released_at is not None
    with session_scope() as session:  # told through notify(): in the app, and on the channels Ramesh chose
        told = session.exec(
            select(NotificationHistory).where(
                NotificationHistory.user_id == sale["farmer"].id, NotificationHistory.category == "payments"
            )
        ).all()
    released_note = [n for n in told if "₹1,960 from" in (n.body or "")]
    assert {n.channel for n in released_note} >= {"in_app"} and "Imran Traders" in released_note[0].body

    # Route's settlement run pays it out; settlement.processed marks it settled and the sums agree.
    with session_scope() as session:
        account = session.exec(select(LinkedAccount).where(LinkedAccount.user_id == sale["farmer"].id)).one()
    made = httpx.post(f"{payments.config.url}/sandbox/route/settle", timeout=10).json()
    ours = [s for s in made if s["account_id"] == account.razorpay_account_id]  # other tests' sellers settle too
    assert [s["amount"] for s in ours] == [196_000]
    wait_for(lambda: events("settlement.processed") >= 1)
    report = reconcile.check_settlement(session_scope, ours[0]["id"], ours[0]["amount"])
    assert report.flagged == [] and payout_of(order_id).status == "settled"
    assert reconcile.reconcile(session_scope).flagged == []

    # Our record disagreeing with Razorpay is flagged for an admin, and cleared once it agrees again.
    with session_scope() as session:
        row = session.get(Payout, waiting.id)
        row.reversed_paise += 100
        session.add(row)
    flagged = client(live_api_url).post("/api/payouts/reconcile", headers=bearer(admin)).json()
    assert flagged["flagged"] == [f"{order_id}: reversed 49000 != ours 49100"]
    assert client(live_api_url).post("/api/payouts/reconcile", headers=bearer(sale["token"])).status_code == 403
    assert payout_of(order_id).mismatch == "reversed 49000 != ours 49100"
    transfers.sync(session_scope, waiting.id)  # the next sync reads Razorpay's figures back
    assert reconcile.reconcile(session_scope).flagged == [] and payout_of(order_id).mismatch is None
    from kisaan_app.services.payouts.ledger import receipt_split

    with session_scope() as session:  # the receipt's fee line, for the buyer (the farmer sees the same)
        line = receipt_split(session, principal(sale["buyer"].id), receipt)
    assert (line.fee_paise, line.seller_paise, line.refunded_paise) == (4_000, 196_000, 50_000)
    farmer_view = client(live_api_url).get("/api/payouts", headers=bearer(sale["token"])).json()
    assert [p["status"] for p in farmer_view] == ["settled"] and farmer_view[0]["seller_paise"] == 196_000
    assert client(live_api_url).get("/api/payouts", headers=bearer(sale["buyer_token"])).json() == []


def test_a_full_refund_before_the_transfer_sends_nothing(sale, payments, live_api_url):
    accounts.set_up(
        session_scope,
        principal(sale["farmer"].id),
        accounts.AccountForm(**{**FORM, "kind": "upi", "upi_vpa": "ramesh@upi"}),
    )
    order_id = make_order(sale["buyer"].id, sale["farmer"].id, 100_000, sale["org"])
    pay(live_api_url, payments.config.url, sale["buyer_token"], order_id)
    wait_for(lambda: events("order.paid") == 1)
    admin = token_for(make_user("admin"))
    client(live_api_url).post(
        "/api/payments/refund",
        json={"receipt": receipt_of(order_id), "amount_paise": 100_000, "reason": "Cancelled"},
        headers={**bearer(admin), "X-Refund-Idempotency": f"full-{uuid.uuid4().hex[:8]}"},
    )
    wait_for(lambda: refund_processed(order_id))
    assert transfers.sync(session_scope, payout_of(order_id).id) == "cancelled"
    row = payout_of(order_id)
    assert (row.transfer_paise, row.fee_paise, row.refunded_paise) == (0, 0, 100_000) and adds_up(row)


def test_a_transfer_razorpay_fails_is_put_in_front_of_an_admin(sale, payments, live_api_url):
    row = accounts.set_up(session_scope, principal(sale["farmer"].id), accounts.AccountForm(**FORM))
    httpx.post(f"{payments.config.url}/sandbox/route/accounts/{row.razorpay_account_id}/suspend", timeout=10)
    order_id = make_order(sale["buyer"].id, sale["farmer"].id, 100_000, sale["org"])
    pay(live_api_url, payments.config.url, sale["buyer_token"], order_id)
    wait_for(lambda: events("order.paid") == 1)
    transfers.sync(session_scope, payout_of(order_id).id)
    wait_for(lambda: events("transfer.failed") == 1)  # Razorpay's answer, a moment later
    assert transfers.sync(session_scope, payout_of(order_id).id) == "failed"
    failed = payout_of(order_id)
    assert failed.mismatch.endswith("failed: The linked account is not activated") and failed.transfer_paise == 0
    with session_scope() as session:
        assert [v.status for v in ledger.mismatches(session)] == ["failed"]


def test_fee_is_quoted_before_anyone_agrees(api):
    answer = api.get("/api/payouts/fee", params={"amount_paise": 250_000}).json()
    assert answer == {"amount_paise": 250_000, "fee_bps": 200, "fee_paise": 5_000, "seller_paise": 245_000}
    assert api.get("/api/payouts/fee", params={"amount_paise": 0}).status_code == 422


def principal(user_id: int):
    from kisaan_app.models.accounts import User

    with session_scope() as session:
        return to_principal(session.get(User, user_id), "test")


def receipt_of(order_id: int) -> str:
    from kisaan_app.models.payments import Payment

    with session_scope() as session:
        return session.exec(select(Payment.receipt).where(Payment.market_order_id == order_id)).one()


def paid_id(order_id: int) -> str:
    from kisaan_app.models.payments import Payment

    with session_scope() as session:
        return session.exec(select(Payment.razorpay_payment_id).where(Payment.market_order_id == order_id)).one()


def refund_processed(order_id: int) -> bool:
    from kisaan_app.models.payments import Payment

    with session_scope() as session:
        query = (
            select(Refund.status)
            .join(Payment, Payment.id == Refund.payment_id)
            .where(Payment.market_order_id == order_id, Refund.status == "processed")
        )
        return bool(session.exec(query).all())
