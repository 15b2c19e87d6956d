"""The Razorpay stand-in, driven through the official `razorpay` SDK exactly as the app drives api.razorpay.com.

One uvicorn server hosts the stand-in's router; a second plays the app receiving webhooks, keeping each raw
body so signatures are checked over the bytes as sent. The checkout and payment-link pages are driven with
httpx the way a browser submits them, and their callbacks are verified with the SDK's own signature helpers.
"""

import json
import re
import threading
import time
from collections.abc import Iterator
from html import unescape
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import razorpay
from fastapi import FastAPI, Request, Response
from razorpay.errors import BadRequestError

from sandbox import razorpay_standin
from sandbox.outbox import Outbox
from sandbox.razorpay_standin import build_webhook, new_id, sign
from sandbox.server import SandboxConfig, free_port
from tests.sandbox.support import Served as _Served
from tests.sandbox.support import wait_for

T = TypeVar("T")
CALLBACK_PATH = "/api/payments/callback"


# --- infrastructure ---------------------------------------------------------------------------------------------


class WebhookReceiver:
    """Plays the app's webhook endpoint: keeps raw bodies and headers; can refuse chosen deliveries."""

    def __init__(self, path: str) -> None:
        self.deliveries: list[dict] = []
        self.failures: dict[str, int] = {}  # substring of the raw body -> how many deliveries to answer 500
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.post(path)(self._receive)

    async def _receive(self, request: Request) -> Response:
        raw = await request.body()
        with self._lock:
            self.deliveries.append({"raw": raw, "headers": dict(request.headers), "body": json.loads(raw)})
            for marker, left in self.failures.items():
                if left and marker.encode() in raw:
                    self.failures[marker] = left - 1
                    return Response(status_code=500)
        return Response(status_code=200)

    def about(self, entity_id: str, event: str | None = None) -> list[dict]:
        """Deliveries whose body mentions `entity_id` (optionally only of one event type), in arrival order."""
        with self._lock:
            found = [d for d in self.deliveries if entity_id.encode() in d["raw"]]
        return [d for d in found if event in (None, d["body"]["event"])]

    def wait_about(self, entity_id: str, count: int = 1, event: str | None = None) -> list[dict]:
        """Wait until at least `count` deliveries mention `entity_id`; returns them all."""
        return wait_for(lambda: (found := self.about(entity_id, event)) and len(found) >= count and found)


@pytest.fixture(scope="module")
def receiver(config: SandboxConfig) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(config.razorpay_webhook_path)
    with _Served(receiver.app, free_port()) as served:
        config.app_url = served.url  # webhooks go to {app_url}{razorpay_webhook_path}
        yield receiver


@pytest.fixture(scope="module")
def sandbox(config: SandboxConfig, outbox: Outbox, receiver: WebhookReceiver) -> Iterator[str]:
    # The router alone, on the port SandboxServer would use: these tests are about this stand-in only.
    app = FastAPI()
    app.include_router(razorpay_standin.make_router(config, outbox))
    with _Served(app, config.port) as served:
        assert served.url == config.url
        yield served.url


@pytest.fixture(scope="module")
def client(config: SandboxConfig, sandbox: str) -> razorpay.Client:
    return razorpay.Client(auth=(config.razorpay_key_id, config.razorpay_key_secret), base_url=sandbox)


@pytest.fixture(scope="module")
def browser(sandbox: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox, timeout=10) as http:
        yield http


def hidden_fields(page: str) -> dict[str, str]:
    pairs = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    return {unescape(name): unescape(value) for name, value in pairs}


def new_order(client: razorpay.Client, amount: int = 1250, **extra: object) -> dict:
    return client.order.create({"amount": amount, "currency": "INR", "receipt": new_id("rcpt"), **extra})


def checkout(browser: httpx.Client, order_id: str, outcome: str, method: str = "upi") -> httpx.Response:
    form = {"outcome": outcome, "method": method, "callback_url": f"https://app.test{CALLBACK_PATH}"}
    return browser.post(f"/sandbox/checkout/{order_id}/complete", data=form)


def paid_payment(client: razorpay.Client, browser: httpx.Client, amount: int = 2000) -> dict:
    order = new_order(client, amount)
    fields = hidden_fields(checkout(browser, order["id"], "success").text)
    return client.payment.fetch(fields["razorpay_payment_id"])


def assert_signed(client: razorpay.Client, config: SandboxConfig, delivery: dict) -> None:
    signature = delivery["headers"]["x-razorpay-signature"]
    assert client.utility.verify_webhook_signature(delivery["raw"].decode(), signature, config.razorpay_webhook_secret)
    assert re.fullmatch(r"evt_[A-Za-z0-9]{14}", delivery["headers"]["x-razorpay-event-id"])
    assert delivery["headers"]["content-type"] == "application/json"


# --- orders, auth, errors ---------------------------------------------------------------------------------------


def test_order_create_and_fetch(client: razorpay.Client) -> None:
    order = client.order.create(
        {"amount": 12500, "currency": "INR", "receipt": "rcpt_1", "notes": {"purpose": "listing_fee"}}
    )
    assert re.fullmatch(r"order_[A-Za-z0-9]{14}", order["id"])
    assert order | {"id": "", "created_at": 0} == {
        "id": "",
        "entity": "order",
        "amount": 12500,
        "amount_paid": 0,
        "amount_due": 12500,
        "currency": "INR",
        "receipt": "rcpt_1",
        "offer_id": None,
        "status": "created",
        "attempts": 0,
        "notes": {"purpose": "listing_fee"},
        "created_at": 0,
    }
    assert abs(order["created_at"] - time.time()) < 60
    assert client.order.fetch(order["id"]) == order
    assert client.order.payments(order["id"]) == {"entity": "collection", "count": 0, "items": []}


def test_wrong_credentials_are_refused(config: SandboxConfig, sandbox: str) -> None:
    wrong = razorpay.Client(auth=(config.razorpay_key_id, "not-the-secret"), base_url=sandbox)
    with pytest.raises(BadRequestError, match="Authentication failed"):
        wrong.order.create({"amount": 1000, "currency": "INR"})
    answer = httpx.get(f"{sandbox}/v1/orders/order_x", timeout=10)  # no credentials at all
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    assert answer.json()["error"]["description"] == "Authentication failed"


@pytest.mark.parametrize(
    ("body", "description", "field"),
    [
        ({"amount": 99, "currency": "INR"}, "The amount must be atleast INR 1.00", "amount"),
        ({"amount": "1000", "currency": "INR"}, "The amount must be an integer.", "amount"),
        ({"currency": "INR"}, "The amount field is required.", "amount"),
        ({"amount": 1000, "currency": "USD"}, "currency is not supported", "currency"),
        ({"amount": 1000, "currency": "INR", "receipt": "r" * 41}, "greater than 40 characters", "receipt"),
        ({"amount": 1000, "currency": "INR", "notes": {f"k{i}": "v" for i in range(16)}}, "exceed 15", "notes"),
        ({"amount": 1000, "currency": "INR", "reciept": "typo"}, "reciept is/are not required", "reciept"),
    ],
)
def test_invalid_orders_get_razorpay_errors(
    client: razorpay.Client, config: SandboxConfig, body: dict, description: str, field: str
) -> None:
    with pytest.raises(BadRequestError, match=re.escape(description)):
        client.order.create(dict(body))
    raw = httpx.post(
        f"{config.url}/v1/orders", json=body, auth=(config.razorpay_key_id, config.razorpay_key_secret), timeout=10
    )
    assert raw.status_code == 400
    error = raw.json()["error"]
    assert error["code"] == "BAD_REQUEST_ERROR" and error["field"] == field
    assert error["source"] == "business" and error["reason"] == "input_validation_failed" and error["metadata"] == {}


def test_unknown_ids_are_404(client: razorpay.Client, config: SandboxConfig) -> None:
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        client.payment.fetch("pay_doesnotexist00")
    raw = httpx.get(f"{config.url}/v1/refunds/rfnd_nope", auth=(config.razorpay_key_id, config.razorpay_key_secret))
    assert raw.status_code == 404 and raw.json()["error"]["code"] == "BAD_REQUEST_ERROR"


# --- checkout -----------------------------------------------------------------------------------------------------


def test_checkout_success_posts_a_verifiable_signature(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    order = new_order(client, 125050, notes={"purpose": "order"})
    page = browser.get(
        f"/sandbox/checkout/{order['id']}",
        params={"callback_url": f"https://app.test{CALLBACK_PATH}", "name": "Kisaansay", "description": "Onions 50kg"},
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for text in ("TEST MODE", "no real money moves", 'id="sandbox-pay-success"', 'id="sandbox-pay-failure"'):
        assert text in page.text
    assert "₹1,250.50" in page.text and "Onions 50kg" in page.text and 'name="viewport"' in page.text
    assert 'value="upi"' in page.text and 'value="card"' in page.text and 'value="netbanking"' in page.text

    done = checkout(browser, order["id"], "success", method="card")
    assert done.status_code == 200
    assert f'action="https://app.test{CALLBACK_PATH}"' in done.text
    assert 'id="sandbox-continue"' in done.text and ".submit()" in done.text
    fields = hidden_fields(done.text)
    assert set(fields) == {"razorpay_payment_id", "razorpay_order_id", "razorpay_signature"}
    assert fields["razorpay_order_id"] == order["id"]
    assert client.utility.verify_payment_signature(fields)

    payment = client.payment.fetch(fields["razorpay_payment_id"])
    assert payment["status"] == "captured" and payment["captured"] is True
    assert payment["method"] == "card" and payment["amount"] == 125050 and payment["order_id"] == order["id"]
    assert payment["error_code"] is None and payment["refund_status"] is None
    paid = client.order.fetch(order["id"])
    assert (paid["status"], paid["amount_paid"], paid["amount_due"], paid["attempts"]) == ("paid", 125050, 0, 1)
    listed = client.order.payments(order["id"])
    assert listed["count"] == 1 and listed["items"][0]["id"] == payment["id"]

    # payment.authorized → payment.captured → order.paid, in that order, each signed with its own event id.
    deliveries = receiver.wait_about(payment["id"], 3)
    assert [d["body"]["event"] for d in deliveries] == ["payment.authorized", "payment.captured", "order.paid"]
    for delivery in deliveries:
        assert_signed(client, config, delivery)
    assert len({d["headers"]["x-razorpay-event-id"] for d in deliveries}) == 3
    authorized, captured, order_paid = (d["body"] for d in deliveries)
    assert authorized["payload"]["payment"]["entity"]["status"] == "authorized"  # a snapshot, not today's state
    assert captured["entity"] == "event" and captured["account_id"] == "acc_sandbox"
    assert captured["contains"] == ["payment"] and captured["payload"]["payment"]["entity"]["status"] == "captured"
    assert order_paid["contains"] == ["payment", "order"]
    assert order_paid["payload"]["order"]["entity"]["status"] == "paid"

    again = browser.get(f"/sandbox/checkout/{order['id']}")
    assert again.status_code == 200 and "already been paid" in again.text and "sandbox-pay-success" not in again.text
    assert checkout(browser, order["id"], "success").status_code == 400


def test_checkout_failure_posts_razorpay_error_fields(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    order = new_order(client)
    fields = hidden_fields(checkout(browser, order["id"], "failure", method="netbanking").text)
    metadata = json.loads(fields.pop("error[metadata]"))
    assert metadata["order_id"] == order["id"]
    assert fields == {
        "error[code]": "BAD_REQUEST_ERROR",
        "error[description]": "Payment failed",
        "error[source]": "customer",
        "error[step]": "payment_authorization",
        "error[reason]": "payment_failed",
    }
    payment = client.payment.fetch(metadata["payment_id"])
    assert payment["status"] == "failed" and payment["captured"] is False
    assert (payment["error_code"], payment["error_reason"]) == ("BAD_REQUEST_ERROR", "payment_failed")
    attempted = client.order.fetch(order["id"])
    assert (attempted["status"], attempted["attempts"], attempted["amount_paid"]) == ("attempted", 1, 0)

    failed = wait_for(lambda: receiver.about(payment["id"], "payment.failed"))
    assert_signed(client, config, failed[0])

    retry = hidden_fields(checkout(browser, order["id"], "success").text)  # a second attempt may still succeed
    assert client.utility.verify_payment_signature(retry)
    assert client.order.fetch(order["id"])["attempts"] == 2 and client.order.payments(order["id"])["count"] == 2


def test_checkout_pages_refuse_bad_requests(client: razorpay.Client, browser: httpx.Client) -> None:
    missing = browser.get("/sandbox/checkout/order_doesnotexist00")
    assert missing.status_code == 404 and "TEST MODE" in missing.text
    order = new_order(client)
    bad_callback = browser.get(f"/sandbox/checkout/{order['id']}", params={"callback_url": "javascript:alert(1)"})
    assert bad_callback.status_code == 400
    form = {"outcome": "success", "method": "upi", "callback_url": "ftp://app.test/cb"}
    assert browser.post(f"/sandbox/checkout/{order['id']}/complete", data=form).status_code == 400
    assert browser.post(f"/sandbox/checkout/{order['id']}/complete", data={"outcome": "maybe"}).status_code == 400
    assert client.order.fetch(order["id"])["attempts"] == 0  # nothing was paid by refused requests
    escaped = browser.get(f"/sandbox/checkout/{order['id']}", params={"description": "<script>x</script>"})
    assert "<script>x</script>" not in escaped.text and "&lt;script&gt;" in escaped.text


def test_manual_capture_then_capture_twice(
    client: razorpay.Client, browser: httpx.Client, receiver: WebhookReceiver
) -> None:
    order = new_order(client, 3000, payment_capture=0)
    fields = hidden_fields(checkout(browser, order["id"], "success").text)
    payment_id = fields["razorpay_payment_id"]
    assert client.payment.fetch(payment_id)["status"] == "authorized"
    assert client.order.fetch(order["id"])["status"] == "attempted"

    with pytest.raises(BadRequestError, match="Capture amount must be equal to the amount authorized"):
        client.payment.capture(payment_id, 2999, {"currency": "INR"})
    captured = client.payment.capture(payment_id, 3000, {"currency": "INR"})
    assert captured["status"] == "captured" and captured["captured"] is True
    assert client.order.fetch(order["id"])["status"] == "paid"
    with pytest.raises(BadRequestError, match="This payment has already been captured"):
        client.payment.capture(payment_id, 3000, {"currency": "INR"})
    events = receiver.wait_about(payment_id, 3)
    assert [d["body"]["event"] for d in events] == ["payment.authorized", "payment.captured", "order.paid"]


# --- refunds ------------------------------------------------------------------------------------------------------


def test_refunds_are_idempotent_partial_and_bounded(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver, outbox: Outbox
) -> None:
    payment = paid_payment(client, browser, 2000)
    pid = payment["id"]
    # The SDK passes `headers` through to requests: the replay below proves the key arrived.
    body = {"amount": 500, "notes": {"reason": "damaged"}}
    first = client.payment.refund(pid, body, headers={"X-Refund-Idempotency": "k1"})
    replay = client.payment.refund(pid, {"amount": 500}, headers={"X-Refund-Idempotency": "k1"})
    assert replay == first
    assert re.fullmatch(r"rfnd_[A-Za-z0-9]{14}", first["id"])
    assert (first["entity"], first["amount"], first["payment_id"], first["status"]) == ("refund", 500, pid, "pending")
    assert first["notes"] == {"reason": "damaged"} and first["speed_processed"] == "normal"
    partly = client.payment.fetch(pid)
    assert (partly["status"], partly["amount_refunded"], partly["refund_status"]) == ("captured", 500, "partial")
    assert client.payment.fetch_multiple_refund(pid)["count"] == 1
    assert outbox.list("razorpay", "refund.idempotent_replay")

    with pytest.raises(BadRequestError, match="The refund amount provided is greater than amount captured"):
        client.payment.refund(pid, {"amount": 1501}, headers={"X-Refund-Idempotency": "k2"})
    rest = client.payment.refund(pid, {}, headers={"X-Refund-Idempotency": "k3"})  # defaults to what is left
    assert rest["amount"] == 1500 and rest["id"] != first["id"]
    full = client.payment.fetch(pid)
    assert (full["status"], full["amount_refunded"], full["refund_status"]) == ("refunded", 2000, "full")
    with pytest.raises(BadRequestError, match="fully refunded"):
        client.payment.refund(pid, {"amount": 100})

    processed = wait_for(lambda: (r := client.refund.fetch(first["id"]))["status"] == "processed" and r)
    assert processed["acquirer_data"]["arn"]
    assert client.payment.fetch_refund_id(pid, rest["id"])["amount"] == 1500
    events = receiver.wait_about(first["id"], 2)
    assert [d["body"]["event"] for d in events] == ["refund.created", "refund.processed"]
    assert events[0]["body"]["contains"] == ["refund", "payment"]
    for delivery in events:
        assert_signed(client, config, delivery)


# --- payment links ------------------------------------------------------------------------------------------------


def _link_body(receiver_url: str, **extra: object) -> dict:
    return {
        "amount": 25000,
        "currency": "INR",
        "accept_partial": False,
        "description": "Listing fee",
        "reference_id": new_id("rcpt"),
        "customer": {"name": "Ramesh", "contact": "+919876543210", "email": "ramesh@example.test"},
        "notify": {"sms": True, "email": False},
        "reminder_enable": True,
        "callback_url": f"{receiver_url}/link-callback?src=app",
        "callback_method": "get",
        "expire_by": int(time.time()) + 3600,
        "notes": {"receipt": "rcpt_link"},
        **extra,
    }


def test_payment_link_paid_redirects_with_a_verifiable_signature(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    link = client.payment_link.create(_link_body(config.app_url))
    assert re.fullmatch(r"plink_[A-Za-z0-9]{14}", link["id"])
    assert link["short_url"] == f"{config.url}/sandbox/pay/{link['id']}"
    assert (link["status"], link["amount_paid"], link["amount"]) == ("created", 0, 25000)
    assert client.payment_link.fetch(link["id"]) == link

    path = urlsplit(link["short_url"]).path
    page = browser.get(path)
    assert page.status_code == 200 and "TEST MODE" in page.text and "₹250.00" in page.text
    assert 'id="sandbox-pay-success"' in page.text and 'id="sandbox-pay-failure"' in page.text

    failed = browser.post(path, data={"outcome": "failure", "method": "upi"})
    assert failed.status_code == 200 and "Payment failed" in failed.text and "Try again" in failed.text
    assert client.payment_link.fetch(link["id"])["status"] == "created"

    done = browser.post(path, data={"outcome": "success", "method": "upi"})
    assert done.status_code == 303
    location = urlsplit(done.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{config.app_url}/link-callback"
    query = dict(parse_qsl(location.query))
    assert query["src"] == "app"  # the callback's own query survives
    assert query["razorpay_payment_link_status"] == "paid"
    assert query["razorpay_payment_link_reference_id"] == link["reference_id"]
    assert client.utility.verify_payment_link_signature(
        {
            "payment_link_id": query["razorpay_payment_link_id"],
            "payment_link_reference_id": query["razorpay_payment_link_reference_id"],
            "payment_link_status": query["razorpay_payment_link_status"],
            "razorpay_payment_id": query["razorpay_payment_id"],
            "razorpay_signature": query["razorpay_signature"],
        }
    )
    paid = client.payment_link.fetch(link["id"])
    assert (paid["status"], paid["amount_paid"]) == ("paid", 25000)
    assert paid["payments"][0]["payment_id"] == query["razorpay_payment_id"]
    assert client.order.fetch(paid["order_id"])["status"] == "paid"
    assert client.order.payments(paid["order_id"])["count"] == 2  # the failed attempt and the paid one
    payment = client.payment.fetch(query["razorpay_payment_id"])
    assert payment["status"] == "captured" and payment["contact"] == "+919876543210"

    event = wait_for(lambda: receiver.about(link["id"], "payment_link.paid"))[0]
    assert_signed(client, config, event)
    assert event["body"]["contains"] == ["payment_link", "payment", "order"]
    assert event["body"]["payload"]["payment"]["entity"]["id"] == payment["id"]
    assert wait_for(lambda: receiver.about(payment["id"], "payment.captured"))

    with pytest.raises(BadRequestError, match="cannot be cancelled"):
        client.payment_link.cancel(link["id"])
    assert "paid" in browser.get(path).text and "sandbox-pay-success" not in browser.get(path).text


def test_payment_link_cancel_and_validation(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    link = client.payment_link.create(_link_body(config.app_url))
    with pytest.raises(BadRequestError, match="already exists"):
        client.payment_link.create(_link_body(config.app_url, reference_id=link["reference_id"]))
    cancelled = client.payment_link.cancel(link["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] > 0
    assert wait_for(lambda: receiver.about(link["id"], "payment_link.cancelled"))
    path = f"/sandbox/pay/{link['id']}"
    assert "cancelled" in browser.get(path).text
    assert browser.post(path, data={"outcome": "success", "method": "upi"}).status_code == 400
    assert browser.get("/sandbox/pay/plink_doesnotexist0").status_code == 404

    with pytest.raises(BadRequestError, match="at least 15 minutes"):
        client.payment_link.create(_link_body(config.app_url, expire_by=int(time.time()) + 60))
    with pytest.raises(BadRequestError, match="callback url"):
        client.payment_link.create(_link_body(config.app_url, callback_url="javascript:alert(1)"))


# --- UPI QR codes -------------------------------------------------------------------------------------------------


def test_upi_qr_create_credit_and_close(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    body = {
        "type": "upi_qr",
        "name": "Kisaansay",
        "usage": "single_use",
        "fixed_amount": True,
        "payment_amount": 4200,
        "description": "Wheat 1 quintal",
        "close_by": int(time.time()) + 900,
        "notes": {"receipt": "rcpt_qr"},
    }
    qr = client.qrcode.create(dict(body))
    assert re.fullmatch(r"qr_[A-Za-z0-9]{14}", qr["id"]) and qr["entity"] == "qr_code"
    assert qr["image_url"] == f"{config.url}/sandbox/qr/{qr['id']}.png"
    assert (qr["status"], qr["payments_count_received"], qr["closed_at"], qr["close_reason"]) == (
        "active",
        0,
        None,
        None,
    )
    image = browser.get(urlsplit(qr["image_url"]).path)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")

    credit = browser.post(f"/sandbox/qr/{qr['id']}/credit")
    assert credit.status_code == 200
    payment = credit.json()["payment"]
    assert (payment["status"], payment["method"], payment["amount"]) == ("captured", "upi", 4200)
    paid = client.qrcode.fetch(qr["id"])
    assert (paid["status"], paid["close_reason"], paid["payments_amount_received"]) == ("closed", "paid", 4200)
    assert paid["payments_count_received"] == 1 and paid["closed_at"]
    assert client.qrcode.fetch_all_payments(qr["id"])["items"][0]["id"] == payment["id"]
    again = browser.post(f"/sandbox/qr/{qr['id']}/credit")
    assert again.status_code == 400 and again.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    credited = wait_for(lambda: receiver.about(qr["id"], "qr_code.credited"))[0]
    assert_signed(client, config, credited)
    assert credited["body"]["contains"] == ["payment", "qr_code"]
    assert wait_for(lambda: receiver.about(payment["id"], "payment.captured"))

    other = client.qrcode.create(dict(body))
    closed = client.qrcode.close(other["id"])
    assert (closed["status"], closed["close_reason"]) == ("closed", "on_demand")
    with pytest.raises(BadRequestError, match="already closed"):
        client.qrcode.close(other["id"])
    assert wait_for(lambda: receiver.about(other["id"], "qr_code.closed"))

    with pytest.raises(BadRequestError, match="payment_amount field is required"):
        client.qrcode.create({**body, "payment_amount": None})
    with pytest.raises(BadRequestError, match="at least 2 minutes"):
        client.qrcode.create({**body, "close_by": int(time.time()) + 30})


# --- webhook delivery -------------------------------------------------------------------------------------------


def test_failed_webhooks_are_retried(
    client: razorpay.Client, browser: httpx.Client, outbox: Outbox, receiver: WebhookReceiver
) -> None:
    order = new_order(client)
    receiver.failures[order["id"]] = 2  # the app answers 500 to the first two deliveries about this order
    fields = hidden_fields(checkout(browser, order["id"], "failure").text)
    assert fields["error[code]"] == "BAD_REQUEST_ERROR"
    attempts = receiver.wait_about(order["id"], 3)
    assert {d["headers"]["x-razorpay-event-id"] for d in attempts} == {attempts[0]["headers"]["x-razorpay-event-id"]}
    assert len({d["raw"] for d in attempts}) == 1  # a retry is byte-identical
    event_id = attempts[0]["headers"]["x-razorpay-event-id"]
    failed = [r for r in outbox.list("razorpay", "webhook.failed") if r.detail["event_id"] == event_id]
    # The outbox records a delivery once its answer is back, a moment after the receiver saw the request.
    sent = wait_for(lambda: [r for r in outbox.list("razorpay", "webhook.sent") if r.detail["event_id"] == event_id])
    assert sorted(r.detail["attempt"] for r in failed) == [1, 2] and {r.detail["status"] for r in failed} == {500}
    assert [(r.detail["attempt"], r.detail["status"]) for r in sent] == [(3, 200)]


def test_redeliver_sends_the_same_event_again(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    payment = paid_payment(client, browser, 1500)
    first = wait_for(lambda: receiver.about(payment["id"], "payment.captured"))[0]
    event_id = first["headers"]["x-razorpay-event-id"]

    def delivered() -> dict | None:  # the state turns "delivered" once the answer is back, a moment later
        found = {e["id"]: e for e in browser.get("/sandbox/webhooks").json()}
        return found if found[event_id]["state"] == "delivered" else None

    listed = wait_for(delivered)
    assert listed[event_id]["event"] == "payment.captured" and listed[event_id]["state"] == "delivered"
    assert listed[event_id]["body"] == first["body"] and listed[event_id]["last_status"] == 200

    answer = browser.post(f"/sandbox/webhooks/{event_id}/redeliver")
    assert answer.status_code == 200 and answer.json()["attempts"] == 2
    copies = receiver.about(payment["id"], "payment.captured")
    assert len(copies) == 2 and copies[1]["raw"] == first["raw"]
    assert copies[1]["headers"]["x-razorpay-event-id"] == event_id
    assert_signed(client, config, copies[1])
    assert browser.post("/sandbox/webhooks/evt_doesnotexist00/redeliver").status_code == 404


def test_held_webhooks_can_be_delivered_newest_first(
    client: razorpay.Client, browser: httpx.Client, config: SandboxConfig, receiver: WebhookReceiver
) -> None:
    config.send_webhooks = False
    try:
        payment = paid_payment(client, browser, 1800)
        time.sleep(0.3)
        assert receiver.about(payment["id"]) == []  # held, not sent
        held = [e for e in browser.get("/sandbox/webhooks").json() if payment["id"] in json.dumps(e["body"])]
        assert {e["state"] for e in held} == {"pending"} and len(held) == 3
        answer = browser.post("/sandbox/webhooks/deliver-pending", params={"order": "reverse"})
    finally:
        config.send_webhooks = True
    assert answer.status_code == 200
    ours = [item for item in answer.json() if item["id"] in {e["id"] for e in held}]
    assert [item["event"] for item in ours] == ["order.paid", "payment.captured", "payment.authorized"]
    assert {item["status"] for item in ours} == {200}
    arrived = [d["body"]["event"] for d in receiver.about(payment["id"])]
    assert arrived == ["order.paid", "payment.captured", "payment.authorized"]
    assert browser.post("/sandbox/webhooks/deliver-pending").json() == []  # nothing held any more
    assert browser.post("/sandbox/webhooks/deliver-pending", params={"order": "sideways"}).status_code == 400


# --- outbox and helpers ---------------------------------------------------------------------------------------------


def test_outbox_records_calls_and_deliveries(client: razorpay.Client, outbox: Outbox) -> None:
    order = new_order(client, 9900)
    created = [r for r in outbox.list("razorpay", "order.created") if r.detail["response"]["id"] == order["id"]]
    assert created and created[0].detail["request"]["amount"] == 9900 and "POST /v1/orders" in created[0].summary
    client.order.fetch(order["id"])
    assert any(r.detail["path"] == f"/v1/orders/{order['id']}" for r in outbox.list("razorpay", "order.fetched"))
    kinds = {r.kind for r in outbox.list("razorpay", limit=1000)}
    expected = {"api.error", "payment.captured", "payment.failed", "refund.created", "payment_link.created"}
    assert expected | {"qr_code.created", "qr_code.credited", "webhook.sent", "webhook.failed"} <= kinds


def test_helpers_sign_like_razorpay(client: razorpay.Client, config: SandboxConfig) -> None:
    assert re.fullmatch(r"pay_[A-Za-z0-9]{14}", new_id("pay")) and new_id("pay") != new_id("pay")
    signature = sign(config.razorpay_key_secret, "order_A|pay_B")
    params = {"razorpay_order_id": "order_A", "razorpay_payment_id": "pay_B", "razorpay_signature": signature}
    assert client.utility.verify_payment_signature(params)

    raw, headers = build_webhook("whsec", "payment.captured", {"payment": {"id": "pay_X", "amount": 100}})
    assert client.utility.verify_webhook_signature(raw.decode(), headers["X-Razorpay-Signature"], "whsec")
    body = json.loads(raw)
    assert body["event"] == "payment.captured" and body["contains"] == ["payment"]
    assert body["payload"]["payment"]["entity"]["id"] == "pay_X" and headers["x-razorpay-event-id"].startswith("evt_")
    same, again = (
        build_webhook("whsec", "x.y", {}, event_id="evt_fixed", created_at=1),
        build_webhook("whsec", "x.y", {}, event_id="evt_fixed", created_at=1),
    )
    assert same == again  # deterministic given the id and time: tests can rebuild a delivery exactly
