"""A local, protocol-faithful Razorpay: the official `razorpay` SDK talks to it as to api.razorpay.com.

* REST API under /v1 (orders, payments, capture, refunds with X-Refund-Idempotency, payment links, UPI QR codes)
  with HTTP Basic auth and Razorpay's error JSON — the SDK picks its exception class from `error.code`.
* A test-mode Checkout at /sandbox/checkout/{order_id} and payment-link page at /sandbox/pay/{plink_id}, which
  hand the app the same signed callbacks as Razorpay (`client.utility.verify_*_signature` accepts them).
* Signed webhooks to `config.app_url + config.razorpay_webhook_path`, sent in the background with retries, or
  held (send_webhooks off) and released under /sandbox/webhooks, optionally out of order or as duplicates.

Modules: razorpay_core (ids, signing, errors, checks), razorpay_store (entities and rules),
razorpay_webhooks (delivery), razorpay_pages (HTML). Everything received or sent is kept in the outbox.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPBasic

from sandbox.outbox import Outbox
from sandbox.razorpay_core import METHODS, PROVIDER, RazorpayError, is_web_url, new_id, not_found, sign
from sandbox.razorpay_pages import message_page, pay_page, post_back_page, rupees
from sandbox.razorpay_route import RouteStore
from sandbox.razorpay_store import RazorpayStore
from sandbox.razorpay_webhooks import WebhookDispatcher, build_webhook

if TYPE_CHECKING:  # server.py imports the stand-ins; a runtime import back would be circular
    from sandbox.server import SandboxConfig

__all__ = ["RazorpayError", "RazorpayStandin", "build_webhook", "make_router", "new_id", "sign"]

MERCHANT_NAME = "Kisaansay"
REFUND_SETTLE_SECONDS = 0.3  # pending → processed: long enough to observe "pending", short enough for tests
TRANSFER_PROCESS_SECONDS = 0.2  # a transfer is answered "pending", then processed (or failed) a moment later

_basic_auth = HTTPBasic(auto_error=False)


@dataclass
class ApiCall:
    """One REST request as an action sees it; an action may change `kind`, the outbox label."""

    kind: str
    params: dict[str, str]
    headers: dict[str, str]
    body: dict = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


Action = Callable[[ApiCall], dict]


async def _json_body(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}  # the SDK's GETs carry no body
    try:
        body = json.loads(raw)
    except ValueError:
        raise RazorpayError("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise RazorpayError("The request body must be a JSON object")
    return body


def _with_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` appended to any query it already has."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _invalid_choice() -> HTMLResponse:
    return message_page("Invalid request", "outcome must be success or failure; method upi, card or netbanking.", 400)


def _refusal(err: RazorpayError) -> HTMLResponse:
    title = "Not found" if err.status == 404 else "Cannot take this payment"
    return message_page(title, err.description, err.status)


class RazorpayStandin:
    """The REST actions, pages and developer controls; `make_router` wires them to Razorpay's URLs."""

    def __init__(self, config: SandboxConfig, outbox: Outbox) -> None:
        self.config = config
        self.outbox = outbox
        self.webhooks = WebhookDispatcher(config, outbox)
        self.store = RazorpayStore(self.webhooks.emit, config.url)
        self.route = RouteStore(self.store)

    # --- REST API ---------------------------------------------------------------------------------------------

    async def authenticated(self, request: Request) -> bool:
        try:
            creds = await _basic_auth(request)
        except HTTPException:  # a malformed Authorization header
            return False
        return (
            creds is not None
            and hmac.compare_digest(creds.username, self.config.razorpay_key_id)
            and hmac.compare_digest(creds.password, self.config.razorpay_key_secret)
        )

    def endpoint(self, kind: str, action: Action) -> Callable:
        """Wrap an action with Basic auth, JSON parsing, Razorpay's error answers and an outbox record."""

        async def handle(request: Request) -> JSONResponse:
            call = ApiCall(kind, dict(request.path_params), {k.lower(): v for k, v in request.headers.items()})
            call.query = dict(request.query_params)
            where = f"{request.method} {request.url.path}"
            try:
                if not await self.authenticated(request):
                    raise RazorpayError(
                        "Authentication failed", status=401, source="internal", reason="authentication_failed"
                    )
                call.body = await _json_body(request)
                delay = self.config.razorpay_delays.get(kind)
                if delay:  # a slow Razorpay (tests); only this request waits. "api.held" says it is waiting now
                    self.outbox.record(PROVIDER, "api.held", f"{where} held {delay}s", {"kind": kind})
                    await asyncio.sleep(delay)
                result = action(call)
            except RazorpayError as err:
                detail = {"method": request.method, "path": request.url.path, "request": call.body, **err.body()}
                self.outbox.record(PROVIDER, "api.error", f"{where} → {err.status} {err.description}", detail)
                return JSONResponse(err.body(), status_code=err.status)
            label = result.get("id") or f"{result.get('count', 0)} items"
            detail = {"method": request.method, "path": request.url.path, "request": call.body, "response": result}
            self.outbox.record(PROVIDER, call.kind, f"{where} → {label}", detail)
            return JSONResponse(result)

        return handle

    def capture(self, call: ApiCall) -> dict:
        return self.store.capture(call.params["payment_id"], call.body)

    def refund(self, call: ApiCall) -> dict:
        refund, created = self.store.refund(
            call.params["payment_id"], call.body, call.headers.get("x-refund-idempotency")
        )
        if created:  # the bank settles it a moment later, as refund.processed
            timer = threading.Timer(REFUND_SETTLE_SECONDS, self.store.settle_refund, args=(refund["id"],))
            timer.daemon = True
            timer.start()
        else:
            call.kind = "refund.idempotent_replay"
        return refund

    def transfer(self, call: ApiCall) -> dict:
        made = self.route.create_transfers(call.params["payment_id"], call.body)
        for item in made["items"]:
            timer = threading.Timer(TRANSFER_PROCESS_SECONDS, self.route.process_transfer, args=(item["id"],))
            timer.daemon = True
            timer.start()
        return made

    def route_routes(self) -> list[tuple[str, str, str, Action]]:
        """Razorpay Route: linked accounts (v2), transfers, reversals, settlements."""
        route = self.route
        return [
            ("POST", "/v2/accounts", "account.created", lambda call: route.create_account(call.body)),
            (
                "GET",
                "/v2/accounts/{account_id}",
                "account.fetched",
                lambda c: route.fetch_account(c.params["account_id"]),
            ),
            (
                "POST",
                "/v2/accounts/{account_id}/products",
                "product.requested",
                lambda c: route.request_product(c.params["account_id"], c.body),
            ),
            (
                "PATCH",
                "/v2/accounts/{account_id}/products/{product_id}",
                "product.updated",
                lambda c: route.edit_product(c.params["account_id"], c.params["product_id"], c.body),
            ),
            (
                "GET",
                "/v2/accounts/{account_id}/products/{product_id}",
                "product.fetched",
                lambda c: route.fetch_product(c.params["account_id"], c.params["product_id"]),
            ),
            ("POST", "/v1/payments/{payment_id}/transfers", "transfer.created", self.transfer),
            (
                "GET",
                "/v1/payments/{payment_id}/transfers",
                "transfer.listed",
                lambda c: route.payment_transfers(c.params["payment_id"]),
            ),
            ("GET", "/v1/transfers", "transfer.listed", lambda c: route.list_transfers(c.query)),
            (
                "GET",
                "/v1/transfers/{transfer_id}",
                "transfer.fetched",
                lambda c: route.fetch_transfer(c.params["transfer_id"]),
            ),
            (
                "PATCH",
                "/v1/transfers/{transfer_id}",
                "transfer.updated",
                lambda c: route.edit_transfer(c.params["transfer_id"], c.body),
            ),
            (
                "POST",
                "/v1/transfers/{transfer_id}/reversals",
                "transfer.reversed",
                lambda c: route.reverse(c.params["transfer_id"], c.body),
            ),
            (
                "GET",
                "/v1/transfers/{transfer_id}/reversals",
                "reversal.listed",
                lambda c: route.transfer_reversals(c.params["transfer_id"]),
            ),
            ("GET", "/v1/settlements", "settlement.listed", lambda _: route.list_settlements()),
            (
                "GET",
                "/v1/settlements/{settlement_id}",
                "settlement.fetched",
                lambda c: route.fetch_settlement(c.params["settlement_id"]),
            ),
        ]

    def payment_refund(self, call: ApiCall) -> dict:
        refund = self.store.fetch("refunds", call.params["refund_id"])
        if refund["payment_id"] != call.params["payment_id"]:
            raise not_found()
        return refund

    def api_routes(self) -> list[tuple[str, str, str, Action]]:
        """(method, path, outbox kind, action). QR routes come before /payments/{id}, which would swallow them."""
        store = self.store

        def by_id(param: str, act: Callable[[str], dict]) -> Action:
            return lambda call: act(call.params[param])

        def fetch(kind: str, param: str) -> Action:
            return lambda call: store.fetch(kind, call.params[param])

        return [
            ("POST", "/v1/orders", "order.created", lambda call: store.create_order(call.body)),
            ("GET", "/v1/orders", "order.listed", lambda _: store.list_all("orders")),
            ("GET", "/v1/orders/{order_id}", "order.fetched", fetch("orders", "order_id")),
            ("GET", "/v1/orders/{order_id}/payments", "order.payments", by_id("order_id", store.order_payments)),
            ("POST", "/v1/payments/qr_codes", "qr_code.created", lambda call: store.create_qr(call.body)),
            ("GET", "/v1/payments/qr_codes", "qr_code.listed", lambda _: store.list_all("qr_codes")),
            ("GET", "/v1/payments/qr_codes/{qr_id}", "qr_code.fetched", fetch("qr_codes", "qr_id")),
            ("POST", "/v1/payments/qr_codes/{qr_id}/close", "qr_code.closed", by_id("qr_id", store.close_qr)),
            ("GET", "/v1/payments/qr_codes/{qr_id}/payments", "qr_code.payments", by_id("qr_id", store.qr_payments)),
            ("GET", "/v1/payments", "payment.listed", lambda _: store.list_all("payments")),
            ("GET", "/v1/payments/{payment_id}", "payment.fetched", fetch("payments", "payment_id")),
            ("POST", "/v1/payments/{payment_id}/capture", "payment.captured", self.capture),
            ("POST", "/v1/payments/{payment_id}/refund", "refund.created", self.refund),
            ("GET", "/v1/payments/{payment_id}/refunds", "refund.listed", by_id("payment_id", store.payment_refunds)),
            ("GET", "/v1/payments/{payment_id}/refunds/{refund_id}", "refund.fetched", self.payment_refund),
            ("GET", "/v1/refunds/{refund_id}", "refund.fetched", fetch("refunds", "refund_id")),
            ("POST", "/v1/payment_links", "payment_link.created", lambda call: store.create_link(call.body)),
            ("GET", "/v1/payment_links/{link_id}", "payment_link.fetched", fetch("links", "link_id")),
            (
                "POST",
                "/v1/payment_links/{link_id}/cancel",
                "payment_link.cancelled",
                by_id("link_id", store.cancel_link),
            ),
        ]

    # --- checkout -----------------------------------------------------------------------------------------------

    def checkout_page(self, order_id: str, callback_url: str, name: str, description: str) -> HTMLResponse:
        if callback_url and not is_web_url(callback_url):
            return message_page("Invalid callback_url", "callback_url must be an http(s) URL.", 400)
        try:
            order = self.store.fetch("orders", order_id)
        except RazorpayError as err:
            return _refusal(err)
        if order["status"] == "paid":
            return message_page("Already paid", f"Order {order_id} has already been paid ({rupees(order['amount'])}).")
        hidden = {"callback_url": callback_url, "description": description}
        return pay_page(f"/sandbox/checkout/{order_id}/complete", order["amount_due"], name, description, hidden)

    def checkout_complete(self, order_id: str, form: dict[str, str]) -> HTMLResponse:
        """Pay or fail the order, then POST checkout's fields to callback_url, as Razorpay's redirect mode does."""
        outcome, method, callback_url = form.get("outcome"), form.get("method", "upi"), form.get("callback_url", "")
        if outcome not in ("success", "failure") or method not in METHODS:
            return _invalid_choice()
        if callback_url and not is_web_url(callback_url):
            return message_page("Invalid callback_url", "callback_url must be an http(s) URL.", 400)
        try:
            payment, order = self.store.pay_order(
                order_id, outcome == "success", method, form.get("description") or None
            )
        except RazorpayError as err:
            return _refusal(err)
        detail = {"order_id": order_id, "payment": payment, "callback_url": callback_url}
        self.outbox.record(PROVIDER, f"payment.{payment['status']}", f"checkout {order_id} → {payment['id']}", detail)
        if payment["status"] == "failed":
            title = "Payment failed"
            fields = {
                "error[code]": payment["error_code"],
                "error[description]": payment["error_description"],
                "error[source]": payment["error_source"],
                "error[step]": payment["error_step"],
                "error[reason]": payment["error_reason"],
                "error[metadata]": json.dumps({"payment_id": payment["id"], "order_id": order["id"]}),
            }
        else:
            title = "Payment successful"
            fields = {
                "razorpay_payment_id": payment["id"],
                "razorpay_order_id": order["id"],
                "razorpay_signature": sign(self.config.razorpay_key_secret, f"{order['id']}|{payment['id']}"),
            }
        if callback_url:
            return post_back_page(title, callback_url, fields)
        return message_page(
            title, "No callback_url was given; these are the fields checkout would send.", fields=fields
        )

    # --- payment links --------------------------------------------------------------------------------------------

    def link_page(self, link_id: str) -> HTMLResponse:
        try:
            link = self.store.fetch("links", link_id)
        except RazorpayError as err:
            return _refusal(err)
        if link["status"] != "created":
            return message_page(f"Payment link {link['status']}", f"This payment link is {link['status']}.")
        due = link["amount"] - link["amount_paid"]
        return pay_page(f"/sandbox/pay/{link_id}", due, MERCHANT_NAME, link["description"] or "", {})

    def link_pay(self, link_id: str, form: dict[str, str]) -> Response:
        """Pay the link; on success redirect (303) to its callback_url with Razorpay's signed query."""
        outcome, method = form.get("outcome"), form.get("method", "upi")
        if outcome not in ("success", "failure") or method not in METHODS:
            return _invalid_choice()
        try:
            payment, link = self.store.pay_link(link_id, outcome == "success", method)
        except RazorpayError as err:
            return _refusal(err)
        self.outbox.record(
            PROVIDER, f"payment.{payment['status']}", f"link {link_id} → {payment['id']}", {"payment": payment}
        )
        if payment["status"] == "failed":
            return message_page(
                "Payment failed", "The payment did not go through.", link=(f"/sandbox/pay/{link_id}", "Try again")
            )
        message = f"{link_id}|{link['reference_id']}|{link['status']}|{payment['id']}"
        query = {
            "razorpay_payment_id": payment["id"],
            "razorpay_payment_link_id": link_id,
            "razorpay_payment_link_reference_id": link["reference_id"],
            "razorpay_payment_link_status": link["status"],
            "razorpay_signature": sign(self.config.razorpay_key_secret, message),
        }
        if link["callback_url"]:
            return RedirectResponse(_with_query(link["callback_url"], query), status_code=303)
        return message_page("Payment successful", f"{rupees(payment['amount'])} paid.", fields=query)

    # --- UPI QR codes ---------------------------------------------------------------------------------------------

    def qr_image(self, qr_id: str) -> Response:
        try:
            uri = self.store.upi_uri(qr_id)
        except RazorpayError as err:
            return JSONResponse(err.body(), status_code=err.status)
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(buffer, kind="png", scale=8, border=4)
        return Response(buffer.getvalue(), media_type="image/png")

    def qr_credit(self, qr_id: str, amount: int | None) -> JSONResponse:
        """A payer scans and pays (the developer's or test's stand-in for a UPI app)."""
        try:
            payment, qr = self.store.credit_qr(qr_id, amount)
        except RazorpayError as err:
            return JSONResponse(err.body(), status_code=err.status)
        self.outbox.record(
            PROVIDER, "qr_code.credited", f"{qr_id} ← {rupees(payment['amount'])} {payment['id']}", {"payment": payment}
        )
        return JSONResponse({"payment": payment, "qr_code": qr})


def make_router(config: SandboxConfig, outbox: Outbox) -> APIRouter:
    """The Razorpay stand-in's routes; state lives in a fresh `RazorpayStandin`, one per call."""
    standin = RazorpayStandin(config, outbox)
    router = APIRouter()
    for method, path, kind, action in standin.api_routes() + standin.route_routes():
        router.add_api_route(path, standin.endpoint(kind, action), methods=[method], include_in_schema=False)

    @router.get("/sandbox/checkout/{order_id}", include_in_schema=False)
    def checkout_page(
        order_id: str, callback_url: str = "", name: str = MERCHANT_NAME, description: str = ""
    ) -> HTMLResponse:
        return standin.checkout_page(order_id, callback_url, name, description)

    @router.post("/sandbox/checkout/{order_id}/complete", include_in_schema=False)
    async def checkout_complete(order_id: str, request: Request) -> HTMLResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        return standin.checkout_complete(order_id, form)

    @router.get("/sandbox/pay/{link_id}", include_in_schema=False)
    def link_page(link_id: str) -> HTMLResponse:
        return standin.link_page(link_id)

    @router.post("/sandbox/pay/{link_id}", include_in_schema=False)
    async def link_pay(link_id: str, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        return standin.link_pay(link_id, form)

    @router.get("/sandbox/qr/{qr_id}.png", include_in_schema=False)
    def qr_image(qr_id: str) -> Response:
        return standin.qr_image(qr_id)

    @router.post("/sandbox/qr/{qr_id}/credit", include_in_schema=False)
    def qr_credit(qr_id: str, amount: int | None = None) -> JSONResponse:
        return standin.qr_credit(qr_id, amount)

    # Developer controls. Sync handlers run in the threadpool, so delivering inline never blocks the loop.
    @router.post("/sandbox/route/settle", include_in_schema=False)
    def route_settle() -> list[dict]:
        """Run Route's settlement now: released transfers are paid out, each settlement signed as a webhook."""
        made = standin.route.settle()
        outbox.record(PROVIDER, "settlement.run", f"route settlement → {len(made)} settlements", {"made": made})
        return made

    @router.post("/sandbox/route/accounts/{account_id}/suspend", include_in_schema=False)
    def route_suspend(account_id: str) -> JSONResponse:
        try:
            return JSONResponse(standin.route.suspend(account_id))
        except RazorpayError as err:
            return JSONResponse(err.body(), status_code=err.status)

    @router.get("/sandbox/webhooks", include_in_schema=False)
    def list_webhooks() -> list[dict]:
        return standin.webhooks.list()

    @router.post("/sandbox/webhooks/deliver-pending", include_in_schema=False)
    def deliver_pending(order: str = "sent") -> JSONResponse:
        if order not in ("sent", "reverse"):
            return JSONResponse(RazorpayError("order must be sent|reverse", field="order").body(), status_code=400)
        sent = standin.webhooks.deliver_pending(newest_first=order == "reverse")
        return JSONResponse([{"id": e.id, "event": e.event, "status": e.last_status, "state": e.state} for e in sent])

    @router.post("/sandbox/webhooks/{event_id}/redeliver", include_in_schema=False)
    def redeliver(event_id: str) -> JSONResponse:
        item = standin.webhooks.redeliver(event_id)
        if item is None:
            return JSONResponse(not_found().body(), status_code=404)
        return JSONResponse(item.as_dict())

    return router
