"""A slow Razorpay holds no lock of ours (issue 19): while the stand-in holds a refund, link or QR call for a few
seconds, another connection writes to the same database at once — on SQLite no "database is locked", on
PostgreSQL the payment and order rows are free. Money stays exact: two admins refunding the last rupee at once
get one refund, and a refund whose answer timed out is neither lost nor counted twice.

On the code before the reserve → call → record split, every write below waited for the provider call and
failed after its short timeout."""

import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.payments import Refund
from kisaan_app.services.payments import gateway
from tests.factories import bearer, make_user, token_for
from tests.payments_support import complete_checkout, make_order, payment, wait_for

HOLD_SECONDS = 3.0
QUICK_SECONDS = 0.5  # what another connection will wait for a lock before giving up


@pytest.fixture
def slow(payments):
    """The stand-in, with `slow.hold(kind)` making that kind of Razorpay call wait HOLD_SECONDS."""
    payments.outbox.clear()
    yield payments
    payments.config.razorpay_delays.clear()


@pytest.fixture
def sale(payments):
    from tests.factories import make_org

    org = make_org("Nashik Farmers FPO")
    buyer = make_user("buyer", name="Imran Traders")
    farmer = make_user("farmer", org_id=org, name="Ramesh Patil")
    admin = make_user("admin", name="Platform Admin")
    return {
        "org": org,
        "buyer": buyer,
        "farmer": farmer,
        "buyer_token": token_for(buyer),
        "admin_token": token_for(admin),
        "admin2_token": token_for(make_user("admin", name="Second Admin")),
    }


def client(live: str) -> httpx.Client:
    return httpx.Client(base_url=live, timeout=30)


def start_payment(live: str, sale: dict, amount: int = 300_000) -> tuple[dict, int]:
    order_id = make_order(sale["buyer"].id, sale["farmer"].id, amount, sale["org"])
    answer = client(live).post(
        "/api/payments/create",
        json={"purpose": "market_order", "market_order_id": order_id},
        headers=bearer(sale["buyer_token"]),
    )
    assert answer.status_code == 201, answer.text
    return answer.json(), order_id


def paid(payments, live: str, sale: dict, amount: int = 300_000) -> tuple[dict, int]:
    start, order_id = start_payment(live, sale, amount)
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    client(live).post("/api/payments/callback", data=fields)
    wait_for(lambda: payment(start["receipt"]).status == "captured")
    return start, order_id


def in_background(call) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        result["answer"] = call()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def wait_until_held(sandbox, kind: str) -> None:
    """Until the stand-in is holding a call of this kind (the app is waiting on Razorpay right now)."""
    wait_for(lambda: any(r.detail.get("kind") == kind for r in sandbox.outbox.list("razorpay", "api.held")))


def write_quickly(url: str, receipt: str, order_id: int) -> float:
    """From a connection of its own, with a short lock timeout: touch the payment and its order. Returns the
    seconds it took; raises if either was locked (SQLite: the database; PostgreSQL: the rows)."""
    postgres = url.startswith("postgresql")
    engine = sa.create_engine(url, connect_args={} if postgres else {"timeout": QUICK_SECONDS})
    try:
        began = time.monotonic()
        with engine.begin() as conn:
            if postgres:
                conn.execute(sa.text(f"SET LOCAL lock_timeout = '{int(QUICK_SECONDS * 1000)}ms'"))
            conn.execute(sa.text("UPDATE market_order SET updated_at = updated_at WHERE id = :id"), {"id": order_id})
            conn.execute(sa.text("UPDATE payment SET updated_at = updated_at WHERE receipt = :r"), {"r": receipt})
        return time.monotonic() - began
    finally:
        engine.dispose()


def refund_call(live: str, token: str, receipt: str, amount: int, key: str):
    return lambda: client(live).post(
        "/api/payments/refund",
        json={"receipt": receipt, "amount_paise": amount, "reason": "Quality complaint"},
        headers={**bearer(token), "X-Refund-Idempotency": key},
    )


def test_a_slow_refund_leaves_the_database_writable(slow, sale, live_api_url, database):
    start, order_id = paid(slow, live_api_url, sale)
    slow.config.razorpay_delays["refund.created"] = HOLD_SECONDS
    key = f"slow-refund-{uuid.uuid4().hex[:8]}"
    thread, result = in_background(refund_call(live_api_url, sale["admin_token"], start["receipt"], 100_000, key))
    wait_until_held(slow, "refund.created")
    took = write_quickly(database, start["receipt"], order_id)
    assert took < QUICK_SECONDS + 0.5 and thread.is_alive()  # written while Razorpay was still answering
    thread.join(30)
    answer = result["answer"]
    assert answer.status_code == 201, answer.text
    assert answer.json()["razorpay_refund_id"]
    wait_for(lambda: payment(start["receipt"]).amount_refunded_paise == 100_000)
    assert payment(start["receipt"]).status == "partially_refunded"


def test_two_admins_refunding_the_last_rupee_at_once_get_one_refund(slow, sale, live_api_url):
    start, _ = paid(slow, live_api_url, sale)
    slow.config.razorpay_delays["refund.created"] = HOLD_SECONDS
    run = uuid.uuid4().hex[:8]
    first, first_result = in_background(
        refund_call(live_api_url, sale["admin_token"], start["receipt"], 300_000, f"first-{run}")
    )
    wait_until_held(slow, "refund.created")
    # The second admin asks while the first one's refund is with Razorpay: the reservation already counts.
    second = refund_call(live_api_url, sale["admin2_token"], start["receipt"], 300_000, f"second-{run}")()
    assert second.status_code == 422 and second.json()["error"]["code"] == "refund_too_large", second.text
    first.join(30)
    assert first_result["answer"].status_code == 201, first_result["answer"].text
    made = [r for r in slow.outbox.list("razorpay", "refund.created")]
    assert len(made) == 1  # Razorpay was asked for one refund
    wait_for(lambda: payment(start["receipt"]).status == "refunded")
    with session_scope() as session:
        live = session.exec(select(Refund).where(Refund.status != "failed")).all()
    assert [r.amount_paise for r in live] == [300_000]


def test_a_refund_whose_answer_timed_out_is_failed_then_found_never_doubled(slow, sale, live_api_url, monkeypatch):
    """Razorpay made the refund but our call gave up first: the reservation is marked failed (the next try
    starts clean), then the refund webhook, carrying our row's id in its notes, brings it back; a retry with the
    same key returns that same refund."""
    start, _ = paid(slow, live_api_url, sale)
    monkeypatch.setattr(gateway, "TIMEOUT_SECONDS", 1)  # the live API runs in this process
    slow.config.razorpay_delays["refund.created"] = 2.0
    key = f"timeout-{uuid.uuid4().hex[:8]}"
    call = refund_call(live_api_url, sale["admin_token"], start["receipt"], 120_000, key)
    gave_up = call()
    assert gave_up.status_code == 502 and gave_up.json()["error"]["code"] == "payment_provider_unavailable"
    with session_scope() as session:
        reserved = session.exec(select(Refund)).one()
    assert (reserved.status, reserved.razorpay_refund_id) == ("failed", None) or reserved.razorpay_refund_id
    assert payment(start["receipt"]).amount_refunded_paise == 0
    # The stand-in finishes the refund and its webhook arrives: the same row, now with Razorpay's id.
    wait_for(lambda: payment(start["receipt"]).amount_refunded_paise == 120_000, timeout=15)
    with session_scope() as session:
        rows = session.exec(select(Refund)).all()
    assert len(rows) == 1 and rows[0].id == reserved.id and rows[0].razorpay_refund_id
    assert rows[0].status in ("pending", "processed")
    slow.config.razorpay_delays.clear()
    again = call()
    assert again.status_code == 201 and again.json()["razorpay_refund_id"] == rows[0].razorpay_refund_id
    with session_scope() as session:
        assert len(session.exec(select(Refund)).all()) == 1
    assert payment(start["receipt"]).amount_refunded_paise == 120_000


def test_a_refund_razorpay_refuses_frees_its_reservation(slow, sale, live_api_url, monkeypatch):
    start, _ = paid(slow, live_api_url, sale)

    def refuse(*_args, **_kwargs):
        raise gateway.ProviderRejected(reason="The refund amount provided is greater than amount captured")

    with monkeypatch.context() as patched:
        patched.setattr(gateway, "call", refuse)
        refused = refund_call(live_api_url, sale["admin_token"], start["receipt"], 300_000, "refused-1")()
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "payment_provider_rejected"
    with session_scope() as session:
        row = session.exec(select(Refund)).one()
    assert row.status == "failed" and row.razorpay_refund_id is None
    # The failed reservation no longer counts: the whole amount can be refunded, and the same key tries again.
    again = refund_call(live_api_url, sale["admin_token"], start["receipt"], 300_000, "refused-1")()
    assert again.status_code == 201, again.text
    wait_for(lambda: payment(start["receipt"]).status == "refunded")


@pytest.mark.parametrize("kind", ["payment_link.created", "qr_code.created"])
def test_a_slow_link_or_qr_leaves_the_database_writable(slow, sale, live_api_url, database, kind):
    start, order_id = start_payment(live_api_url, sale)
    slow.config.razorpay_delays[kind] = HOLD_SECONDS
    path = "link" if kind.startswith("payment_link") else "qr"
    thread, result = in_background(
        lambda: client(live_api_url).post(
            f"/api/payment/{path}/{start['razorpay_order_id']}", headers=bearer(sale["buyer_token"])
        )
    )
    wait_until_held(slow, kind)
    took = write_quickly(database, start["receipt"], order_id)
    assert took < QUICK_SECONDS + 0.5 and thread.is_alive()
    thread.join(30)
    assert result["answer"].status_code == 201, result["answer"].text
    row = payment(start["receipt"])
    if path == "link":
        assert row.payment_link_id == result["answer"].json()["payment_link_id"]
        assert "link_requested_at" not in row.notes


def test_two_link_requests_at_once_make_one_link(slow, sale, live_api_url):
    start, _ = start_payment(live_api_url, sale)
    slow.config.razorpay_delays["payment_link.created"] = 1.5
    url = f"/api/payment/link/{start['razorpay_order_id']}"
    first, first_result = in_background(lambda: client(live_api_url).post(url, headers=bearer(sale["buyer_token"])))
    wait_until_held(slow, "payment_link.created")
    second = client(live_api_url).post(url, headers=bearer(sale["buyer_token"]))
    first.join(30)
    assert first_result["answer"].status_code == 201 and second.status_code == 201, second.text
    assert first_result["answer"].json()["payment_link_id"] == second.json()["payment_link_id"]
    assert len(slow.outbox.list("razorpay", "payment_link.created")) == 1


def test_a_link_made_while_its_order_was_cancelled_is_closed(slow, sale, live_api_url):
    """The order is cancelled while Razorpay makes its link: the cancel's own close job may run before the link
    is recorded, so recording it enqueues another, which closes it."""
    from kisaan_app.jobs import huey
    from kisaan_app.services.payments import instruments

    def close_jobs(payment_id: int) -> int:  # queued in this run (the queue outlives each test's database)
        pending = huey.pending()
        return sum(t.name.endswith("close_payment_instruments") and list(t.args) == [payment_id] for t in pending)

    start, order_id = start_payment(live_api_url, sale)
    queued_before = close_jobs(payment(start["receipt"]).id)
    slow.config.razorpay_delays["payment_link.created"] = HOLD_SECONDS
    url = f"/api/payment/link/{start['razorpay_order_id']}"
    thread, result = in_background(lambda: client(live_api_url).post(url, headers=bearer(sale["buyer_token"])))
    wait_until_held(slow, "payment_link.created")
    cancelled = client(live_api_url).post(
        f"/api/market/orders/{order_id}/status", json={"status": "cancelled"}, headers=bearer(sale["buyer_token"])
    )
    assert cancelled.status_code == 200, cancelled.text
    thread.join(30)
    assert result["answer"].status_code == 201
    row = payment(start["receipt"])
    assert row.status == "cancelled" and row.payment_link_id == result["answer"].json()["payment_link_id"]
    assert close_jobs(row.id) - queued_before == 2  # the cancel's, and the one recording the link added
    assert instruments.close_instruments(session_scope, row.id) == 1  # what that job does
    link = gateway.call(gateway.client().payment_link.fetch, row.payment_link_id)
    assert link["status"] == "cancelled"


def test_reservations_left_by_a_dead_request_are_settled_by_reconciliation(slow, sale, live_api_url):
    """A request that died between its reservation and Razorpay's answer: the reconciliation job asks Razorpay
    (the refund's notes carry the reservation's id) and records the refund it made, or fails the one it never
    got, so neither money nor a reservation is left hanging."""
    from datetime import timedelta

    from kisaan_app.models.base import utcnow
    from kisaan_app.services.payments import stale_refunds
    from kisaan_app.services.payments.refunds import RESERVATION_NOTE

    start, _ = paid(slow, live_api_url, sale)
    slow.config.send_webhooks = False  # the refund webhook is lost too
    captured = payment(start["receipt"])
    long_ago = utcnow() - timedelta(minutes=10)
    with session_scope() as session:
        made, lost = (
            Refund(payment_id=captured.id, amount_paise=amount, reason="Quality", idempotency_key=key)
            for amount, key in ((50_000, "u1:dead-made"), (70_000, "u1:dead-lost"))
        )
        session.add_all([made, lost])
        session.flush()
        made.updated_at = lost.updated_at = long_ago
        ids = made.id, lost.id
    answer = gateway.call(  # the dead request's call reached Razorpay for `made` only
        gateway.client().payment.refund,
        captured.razorpay_payment_id,
        {"amount": 50_000, "notes": {RESERVATION_NOTE: str(ids[0])}},
        headers={"X-Refund-Idempotency": "u1:dead-made"},
    )
    assert stale_refunds.resolve(session_scope, older_than=timedelta(minutes=5)) == [
        f"refund {ids[0]}: made ({answer['id']})",
        f"refund {ids[1]}: failed",
    ]
    with session_scope() as session:
        rows = {r.id: r for r in session.exec(select(Refund)).all()}
    assert rows[ids[0]].razorpay_refund_id == answer["id"] and rows[ids[0]].status in ("pending", "processed")
    assert rows[ids[1]].status == "failed" and rows[ids[1]].razorpay_refund_id is None
    settled = payment(start["receipt"])
    assert (settled.status, settled.amount_refunded_paise) == ("partially_refunded", 50_000)
    assert stale_refunds.resolve(session_scope, older_than=timedelta(minutes=5)) == []  # nothing left
