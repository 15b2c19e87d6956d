"""Money end to end through the Razorpay stand-in: the official SDK, real HTTP, signed webhooks into the
live API, on SQLite and PostgreSQL."""

import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.market import MarketOrder, QRSession
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import Refund, Subscription, WebhookEvent
from kisaan_app.services.payments.reconcile import reconcile
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import complete_checkout, make_order, payment, wait_for


@pytest.fixture
def people(payments):
    """A sale between FPOs: the order belongs to the seller's FPO (`org`), the buyer is in another one."""
    org = make_org("Nashik Farmers FPO")
    buyer_org = make_org("Imran Traders Co-op")
    buyer = make_user("buyer", org_id=buyer_org, name="Imran Traders")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh Patil")
    return {"org": org, "buyer_org": buyer_org, "buyer": buyer, "farmer": farmer, "buyer_token": token_for(buyer)}


def api(live: str) -> httpx.Client:
    return httpx.Client(base_url=live, timeout=15, follow_redirects=False)


def start_order_payment(live: str, token: str, order_id: int) -> dict:
    answer = api(live).post(
        "/api/payments/create", json={"purpose": "market_order", "market_order_id": order_id}, headers=bearer(token)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_buyer_pays_an_order_and_webhooks_settle_it(payments, people, live_api_url):
    order_id = make_order(people["buyer"].id, people["farmer"].id, 250_000, people["org"])
    start = start_order_payment(live_api_url, people["buyer_token"], order_id)
    assert start["sandbox"] and start["amount_paise"] == 250_000 and start["checkout_url"]
    assert payment(start["receipt"]).status == "created"
    # Clicking Pay again reuses the open payment: one Razorpay order per order.
    assert (
        start_order_payment(live_api_url, people["buyer_token"], order_id)["razorpay_order_id"]
        == start["razorpay_order_id"]
    )

    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    back = api(live_api_url).post("/api/payments/callback", data=fields)
    assert back.status_code == 303
    assert back.headers["location"] == f"/payments/view?receipt={start['receipt']}&result=paid"

    wait_for(lambda: count(WebhookEvent, WebhookEvent.event_type == "order.paid") == 1)
    paid = payment(start["receipt"])
    assert paid.status == "captured" and paid.razorpay_payment_id == fields["razorpay_payment_id"]
    assert paid.method == "upi" and paid.captured_at is not None
    with session_scope() as session:
        assert session.get(MarketOrder, order_id).status == "paid"
        actions = session.exec(select(AuditLog.action).where(AuditLog.target_id == start["receipt"])).all()
        told = session.exec(select(NotificationHistory.user_id).where(NotificationHistory.category == "payments"))
        assert set(told.all()) == {people["buyer"].id, people["farmer"].id}
    assert actions.count("payment.create") == 1 and actions.count("payment.captured") == 1

    status = api(live_api_url).get(
        f"/api/payment/status/{start['razorpay_order_id']}", headers=bearer(people["buyer_token"])
    )
    assert status.status_code == 200 and status.json()["status"] == "captured"
    # A paid order cannot be paid again.
    again = api(live_api_url).post(
        "/api/payments/create",
        json={"purpose": "market_order", "market_order_id": order_id},
        headers=bearer(people["buyer_token"]),
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "order_not_payable"


def test_verify_rejects_a_forged_signature_and_accepts_the_real_one(payments, people, live_api_url):
    payments.config.send_webhooks = False  # only the verify call may move the payment here
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    forged = {**fields, "razorpay_signature": "0" * 64}
    bad = api(live_api_url).post("/api/payments/verify", json=forged, headers=bearer(people["buyer_token"]))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "payment_signature_invalid"
    assert payment(start["receipt"]).status == "created"
    assert count(AuditLog, AuditLog.action == "payment.verify", AuditLog.outcome == "failure") == 1
    # Someone else's valid signature for this order is still not theirs to verify.
    other = token_for(make_user("buyer"))
    assert api(live_api_url).post("/api/payments/verify", json=fields, headers=bearer(other)).status_code == 404

    good = api(live_api_url).post("/api/payments/verify", json=fields, headers=bearer(people["buyer_token"]))
    assert good.status_code == 200, good.text
    assert good.json()["status"] == "captured"  # fetched from Razorpay after the signature checked out


def test_duplicate_and_out_of_order_webhooks_change_things_once(payments, people, live_api_url):
    payments.config.send_webhooks = False
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    delivered = httpx.post(
        f"{payments.config.url}/sandbox/webhooks/deliver-pending", params={"order": "reverse"}, timeout=15
    ).json()
    events = [d["event"] for d in delivered]
    assert events.index("order.paid") < events.index("payment.authorized")  # newest first
    assert payment(start["receipt"]).status == "captured"  # a late "authorized" did not move it back
    stored = count(WebhookEvent)
    for item in delivered:
        again = httpx.post(f"{payments.config.url}/sandbox/webhooks/{item['id']}/redeliver", timeout=15)
        assert again.status_code == 200
    assert count(WebhookEvent) == stored
    with session_scope() as session:
        captured = session.exec(
            select(AuditLog).where(AuditLog.action == "payment.captured", AuditLog.target_id == start["receipt"])
        ).all()
    assert len(captured) == 1


def test_tampered_or_wrongly_signed_webhooks_are_refused_and_change_nothing(payments, people, live_api_url):
    from kisaan_app.providers.sandbox_keys import SANDBOX_RAZORPAY_WEBHOOK_SECRET
    from sandbox.razorpay_standin import build_webhook

    payments.config.send_webhooks = False
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    entity = {
        "id": "pay_forged0000001",
        "order_id": start["razorpay_order_id"],
        "status": "captured",
        "amount": start["amount_paise"],
        "method": "upi",
    }
    raw, headers = build_webhook(SANDBOX_RAZORPAY_WEBHOOK_SECRET, "payment.captured", {"payment": entity})
    client = api(live_api_url)
    tampered = raw.replace(b'"captured"', b'"captured" ', 1)
    assert client.post("/api/payments/webhook", content=tampered, headers=headers).status_code == 400
    raw2, headers2 = build_webhook("not-our-webhook-secret", "payment.captured", {"payment": entity})
    refused = client.post("/api/payments/webhook", content=raw2, headers=headers2)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "webhook_signature_invalid"
    unsigned = {k: v for k, v in headers.items() if k.lower() != "x-razorpay-signature"}
    assert client.post("/api/payments/webhook", content=raw, headers=unsigned).status_code == 400
    assert count(WebhookEvent) == 0 and payment(start["receipt"]).status == "created"
    # The genuine event is accepted.
    assert client.post("/api/payments/webhook", content=raw, headers=headers).json()["status"] == "ok"
    assert payment(start["receipt"]).status == "captured"


def _paid(payments, people, live_api_url, amount=300_000) -> dict:
    order_id = make_order(people["buyer"].id, people["farmer"].id, amount, people["org"])
    start = start_order_payment(live_api_url, people["buyer_token"], order_id)
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    api(live_api_url).post("/api/payments/callback", data=fields)
    wait_for(lambda: payment(start["receipt"]).status == "captured")
    return start


def test_refunds_partial_idempotent_bounded_and_settled_by_webhooks(payments, people, live_api_url):
    start = _paid(payments, people, live_api_url)
    admin_token = token_for(make_user("admin"))
    client = api(live_api_url)

    run = uuid.uuid4().hex[:8]  # keys are per payment and run, as a client would make them

    def refund(amount, key, token=admin_token, reason="Quality complaint"):
        key = f"{key}-{run}"
        return client.post(
            "/api/payments/refund",
            json={"receipt": start["receipt"], "amount_paise": amount, "reason": reason},
            headers={**bearer(token), "X-Refund-Idempotency": key},
        )

    assert refund(100_000, "key-buyer", token=people["buyer_token"]).status_code == 403
    first = refund(150_000, "refund-half-1")
    assert first.status_code == 201, first.text
    again = refund(150_000, "refund-half-1")  # a retry after a timeout: the same refund, not a second one
    assert again.status_code == 201 and again.json()["razorpay_refund_id"] == first.json()["razorpay_refund_id"]
    assert count(Refund) == 1
    assert refund(160_000, "refund-too-much").json()["error"]["code"] == "refund_too_large"
    assert refund(100_000, "refund-half-1").json()["error"]["code"] == "refund_key_reused"
    wait_for(lambda: count(Refund, Refund.status == "processed") == 1)
    half = payment(start["receipt"])
    assert (half.status, half.amount_refunded_paise) == ("partially_refunded", 150_000)

    buyers_fpo = token_for(make_user("org_admin", org_id=people["buyer_org"]))
    assert refund(150_000, "refund-by-buyers-fpo", token=buyers_fpo).status_code == 404  # never the buyer's FPO
    org_admin = token_for(make_user("org_admin", org_id=people["org"]))  # the seller's FPO
    assert refund(150_000, "refund-rest-by-fpo", token=org_admin).status_code == 201
    wait_for(lambda: count(Refund, Refund.status == "processed") == 2)
    done = payment(start["receipt"])
    assert (done.status, done.amount_refunded_paise) == ("refunded", 300_000)
    assert refund(1, "refund-after-full").json()["error"]["code"] == "payment_not_refundable"
    assert count(AuditLog, AuditLog.action == "payment.refund") == 2
    other_fpo = token_for(make_user("org_admin", org_id=make_org("Other FPO")))
    assert refund(1, "refund-other-fpo", token=other_fpo).status_code == 404


def test_payment_creation_is_rate_limited_per_user(payments, people, live_api_url):
    client = api(live_api_url)
    answers = []
    for _ in range(6):
        order_id = make_order(people["buyer"].id, people["farmer"].id)
        answers.append(
            client.post(
                "/api/payments/create",
                json={"purpose": "market_order", "market_order_id": order_id},
                headers=bearer(people["buyer_token"]),
            )
        )
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_payment_creation_is_rate_limited_per_ip_across_accounts(payments, people, live_api_url):
    """Five creations from one address, whoever is signed in: a sixth account-hopping attempt is refused."""
    client = api(live_api_url)
    second = make_user("buyer", name="Second Buyer")
    tokens = [people["buyer_token"]] * 3 + [token_for(second)] * 3
    codes = []
    for token in tokens:
        buyer_id = people["buyer"].id if token == people["buyer_token"] else second.id
        order_id = make_order(buyer_id, people["farmer"].id)
        answer = client.post(
            "/api/payments/create",
            json={"purpose": "market_order", "market_order_id": order_id},
            headers=bearer(token),
        )
        codes.append(answer.status_code)
    # Neither account reached its own 5, so the sixth is refused by the per-IP rule alone.
    assert codes == [201] * 5 + [429]
    assert answer.json()["error"]["code"] == "rate_limited" and int(answer.headers["Retry-After"]) > 0


def test_payment_verification_is_rate_limited(payments, people, live_api_url):
    client = api(live_api_url)
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    forged = {
        "razorpay_order_id": start["razorpay_order_id"],
        "razorpay_payment_id": "pay_forged000001",
        "razorpay_signature": "0" * 64,
    }
    codes = [
        client.post("/api/payments/verify", json=forged, headers=bearer(people["buyer_token"])).status_code
        for _ in range(6)
    ]
    assert codes[-1] == 429 and 429 not in codes[:5]
    assert payment(start["receipt"]).status == "created"


def test_people_see_only_their_own_payments(payments, people, live_api_url):
    start = _paid(payments, people, live_api_url)
    client = api(live_api_url)
    stranger = token_for(make_user("buyer"))
    assert client.get(f"/api/payment/status/{start['razorpay_order_id']}", headers=bearer(stranger)).status_code == 404
    assert client.get("/api/payments/history", headers=bearer(stranger)).json()["total"] == 0
    farmer_view = client.get("/api/payments/history", headers=bearer(token_for(people["farmer"]))).json()
    assert [p["receipt"] for p in farmer_view["items"]] == [start["receipt"]]  # paid for the farmer's order
    fpo = token_for(make_user("org_admin", org_id=people["org"]))
    assert client.get("/api/payments/history?status=captured", headers=bearer(fpo)).json()["total"] == 1
    csv = client.get("/api/payments/export.csv", headers=bearer(fpo))
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("receipt,created_at,payer")
    assert start["receipt"] in csv.text and "3000.00" in csv.text
    assert client.get("/api/payments/export.csv", headers=bearer(people["buyer_token"])).status_code == 403
    bad = client.get("/api/payments/history?status=stolen", headers=bearer(fpo))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "payment_status_unknown"


def test_payment_link_paid_through_its_page_and_verified_callback(payments, people, live_api_url):
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    client = api(live_api_url)
    link = client.post(f"/api/payment/link/{start['razorpay_order_id']}", headers=bearer(people["buyer_token"]))
    assert link.status_code == 201, link.text
    page = httpx.get(link.json()["short_url"], timeout=10)
    assert page.status_code == 200 and "TEST MODE" in page.text
    plink = link.json()["payment_link_id"]
    paid = httpx.post(
        f"{payments.config.url}/sandbox/pay/{plink}",
        data={"outcome": "success", "method": "upi"},
        timeout=10,
        follow_redirects=False,
    )
    assert paid.status_code == 303
    callback = httpx.URL(paid.headers["location"])
    forged = client.get("/api/payment/callback", params={**dict(callback.params), "razorpay_payment_id": "pay_fake"})
    assert "result=error" in forged.headers["location"]
    real = client.get("/api/payment/callback", params=dict(callback.params))
    assert real.headers["location"].endswith("result=paid")
    assert payment(start["receipt"]).status == "captured"


def test_single_use_upi_qr_is_paid_and_closed(payments, people, live_api_url):
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    client = api(live_api_url)
    qr = client.post(f"/api/payment/qr/{start['razorpay_order_id']}", headers=bearer(people["buyer_token"]))
    assert qr.status_code == 201, qr.text
    body = qr.json()
    assert body["upi_payload"].startswith("upi://pay?") and "am=2500.00" in body["upi_payload"]
    image = client.get(body["image_url"], headers=bearer(people["buyer_token"]))
    assert image.headers["content-type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(body["image_url"], headers=bearer(token_for(make_user("buyer")))).status_code == 404
    assert httpx.post(f"{payments.config.url}/sandbox/qr/{body['qr_id']}/credit", timeout=10).status_code == 200
    wait_for(lambda: payment(start["receipt"]).status == "captured")
    with session_scope() as session:
        assert session.exec(select(QRSession.status).where(QRSession.razorpay_qr_id == body["qr_id"])).one() == "paid"


def test_reconciliation_settles_a_payment_whose_webhooks_were_lost(payments, people, live_api_url):
    payments.config.send_webhooks = False  # the webhooks never come, and the payer closed the tab
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    assert payment(start["receipt"]).status == "created"
    report = reconcile(session_scope, older_than=timedelta(0))
    assert report.settled == [start["receipt"]] and not report.errors
    assert payment(start["receipt"]).status == "captured"
    assert reconcile(session_scope, older_than=timedelta(0)).settled == []  # nothing left to do


def test_a_farmer_buys_a_plan_that_turns_active_on_payment(payments, people, live_api_url):
    farmer_token = token_for(people["farmer"])
    client = api(live_api_url)
    answer = client.post(
        "/api/payments/create", json={"purpose": "subscription", "plan": "monthly"}, headers=bearer(farmer_token)
    )
    assert answer.status_code == 201, answer.text
    start = answer.json()
    assert start["amount_paise"] == 9900
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    client.post("/api/payments/callback", data=fields)
    wait_for(lambda: count(Subscription, Subscription.status == "active") == 1)
    with session_scope() as session:
        plan = session.exec(select(Subscription)).one()
        assert timedelta(days=29) < plan.renews_at - plan.starts_at <= timedelta(days=30)
    again = client.post(
        "/api/payments/create", json={"purpose": "subscription", "plan": "yearly"}, headers=bearer(farmer_token)
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "plan_active"
    buyer_try = client.post(
        "/api/payments/create",
        json={"purpose": "subscription", "plan": "monthly"},
        headers=bearer(people["buyer_token"]),
    )
    assert buyer_try.status_code == 403


def test_a_failed_checkout_keeps_the_order_payable(payments, people, live_api_url):
    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"], "failure")
    back = api(live_api_url).post("/api/payments/callback", data=fields)
    assert back.status_code == 303 and "result=failed" in back.headers["location"]
    wait_for(lambda: payment(start["receipt"]).status == "failed")  # payment.failed webhook
    assert payment(start["receipt"]).failure_code


def test_webhook_and_callback_racing_leave_one_consistent_record(payments, people, live_api_url):
    """The checkout callback and the webhooks for the same payment at the same moment (row locks on
    PostgreSQL, serialised writers on SQLite): one capture, one paid order, one notification each."""
    payments.config.send_webhooks = False
    order_id = make_order(people["buyer"].id, people["farmer"].id)
    start = start_order_payment(live_api_url, people["buyer_token"], order_id)
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    barrier = threading.Barrier(2)
    results = {}

    def callback():
        barrier.wait()
        results["callback"] = api(live_api_url).post("/api/payments/callback", data=fields).status_code

    def webhooks():
        barrier.wait()
        results["webhooks"] = httpx.post(f"{payments.config.url}/sandbox/webhooks/deliver-pending", timeout=30).json()

    threads = [threading.Thread(target=callback), threading.Thread(target=webhooks)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert results["callback"] == 303
    assert all(200 <= d["status"] < 300 for d in results["webhooks"]), results["webhooks"]
    final = payment(start["receipt"])
    assert final.status == "captured" and final.razorpay_payment_id == fields["razorpay_payment_id"]
    assert count(AuditLog, AuditLog.action == "payment.captured", AuditLog.target_id == start["receipt"]) == 1
    in_app = (NotificationHistory.category == "payments", NotificationHistory.channel == "in_app")
    assert count(NotificationHistory, *in_app) == 2  # buyer + farmer, once
    with session_scope() as session:
        assert session.get(MarketOrder, order_id).status == "paid"


def test_the_farmer_shows_a_farm_gate_qr_that_the_buyer_pays(payments, people, live_api_url):
    """At the farm gate the seller starts the buyer's payment and shows its UPI QR; the buyer scans and pays."""
    order_id = make_order(people["buyer"].id, people["farmer"].id, 180_000)
    farmer_token = token_for(people["farmer"])
    client = api(live_api_url)
    start = client.post(
        "/api/payments/create",
        json={"purpose": "market_order", "market_order_id": order_id},
        headers=bearer(farmer_token),
    )
    assert start.status_code == 201, start.text
    created = payment(start.json()["receipt"])
    assert created.payer_id == people["buyer"].id  # the buyer still owes it
    qr = client.post(f"/api/payment/qr/{created.razorpay_order_id}", headers=bearer(farmer_token))
    assert qr.status_code == 201, qr.text
    stranger = token_for(make_user("farmer", name="Another farmer"))
    assert (
        client.post(
            "/api/payments/create",
            json={"purpose": "market_order", "market_order_id": order_id},
            headers=bearer(stranger),
        ).status_code
        == 404
    )
    assert httpx.post(f"{payments.config.url}/sandbox/qr/{qr.json()['qr_id']}/credit", timeout=10).status_code == 200
    wait_for(lambda: payment(created.receipt).status == "captured")
    with session_scope() as session:
        assert session.get(MarketOrder, order_id).status == "paid"


def test_a_webhook_whose_state_change_fails_is_not_marked_as_seen(payments, people, live_api_url, monkeypatch):
    """The event id and the state change commit together: if applying fails, Razorpay's retry still applies."""
    from kisaan_app.providers.sandbox_keys import SANDBOX_RAZORPAY_WEBHOOK_SECRET
    from kisaan_app.services.payments import webhooks
    from sandbox.razorpay_standin import build_webhook

    start = start_order_payment(
        live_api_url, people["buyer_token"], make_order(people["buyer"].id, people["farmer"].id)
    )
    entity = {
        "id": "pay_retry000000001",
        "order_id": start["razorpay_order_id"],
        "status": "captured",
        "amount": start["amount_paise"],
        "method": "upi",
    }
    raw, headers = build_webhook(SANDBOX_RAZORPAY_WEBHOOK_SECRET, "payment.captured", {"payment": entity})
    real_apply = webhooks.apply

    def broken_apply(*_args):
        raise RuntimeError("database went away mid-way")

    monkeypatch.setattr(webhooks, "apply", broken_apply)
    with pytest.raises(RuntimeError), session_scope() as session:
        webhooks.handle(session, raw, headers["X-Razorpay-Signature"], headers["x-razorpay-event-id"])
    assert count(WebhookEvent) == 0 and payment(start["receipt"]).status == "created"
    monkeypatch.setattr(webhooks, "apply", real_apply)
    with session_scope() as session:  # Razorpay retries the same delivery
        outcome = webhooks.handle(session, raw, headers["X-Razorpay-Signature"], headers["x-razorpay-event-id"])
    assert not outcome.duplicate and payment(start["receipt"]).status == "captured"
