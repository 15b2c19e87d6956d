"""Razorpay's entities and business rules for the sandbox: orders, payments, refunds, payment links, UPI QR codes.

Everything lives in memory behind one lock. Entities are plain dicts shaped like Razorpay's JSON, so the API
layer returns copies unchanged. Webhook events go to `emit` while the lock is held: each event then carries a
snapshot of the entity at that moment (payment.authorized really shows "authorized"), and events keep the
order in which things happened even when requests race.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sandbox.razorpay_core import (
    LINK_FIELDS,
    MAX_RECEIPT,
    ORDER_FIELDS,
    QR_FIELDS,
    RazorpayError,
    amount_of,
    bool_of,
    collection,
    currency_of,
    future_of,
    is_web_url,
    new_id,
    not_found,
    notes_of,
    now,
    only,
    text_of,
)

LINK_MIN_EXPIRY_SECONDS = 15 * 60
QR_MIN_CLOSE_SECONDS = 2 * 60
SANDBOX_VPA = "kisaansay.sandbox@razorpay"  # the payee in the sandbox's UPI QR codes
# Razorpay's own test-mode payer details, so sandbox payments look like test-mode ones.
TEST_EMAIL = "void@razorpay.com"
TEST_CONTACT = "+919000090000"

# emit(event_name, {"payment": entity, "order": entity, ...}) — see razorpay_webhooks.WebhookDispatcher.emit.
Emit = Callable[[str, dict[str, dict]], object]


class RazorpayStore:
    """All sandbox entities; public methods return deep copies and raise `RazorpayError` like the API would."""

    def __init__(self, emit: Emit, base_url: str) -> None:
        self.emit = emit
        self.base_url = base_url  # for short_url and image_url, which point back at the sandbox
        self.lock = threading.RLock()
        self.orders: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.links: dict[str, dict] = {}
        self.qr_codes: dict[str, dict] = {}
        self._manual_capture: set[str] = set()  # order ids created with payment_capture=0
        self._refund_keys: dict[tuple[str, str], str] = {}  # (payment id, X-Refund-Idempotency) -> refund id
        self._qr_payments: dict[str, list[str]] = {}  # qr id -> payment ids (a QR payment has no order)

    def _emit(self, event: str, **entities: dict) -> None:
        self.emit(event, copy.deepcopy(entities))

    @staticmethod
    def _get(table: dict[str, dict], entity_id: str) -> dict:
        if entity_id not in table:
            raise not_found()
        return table[entity_id]

    def fetch(self, kind: str, entity_id: str) -> dict:
        """One entity by id from `kind` in orders|payments|refunds|links|qr_codes (404 when unknown)."""
        with self.lock:
            if kind == "links":
                return copy.deepcopy(self._link(entity_id))
            return copy.deepcopy(self._get(getattr(self, kind), entity_id))

    def list_all(self, kind: str) -> dict:
        with self.lock:
            return collection(copy.deepcopy(list(reversed(getattr(self, kind).values()))))

    # --- orders and payments --------------------------------------------------------------------------------------

    def create_order(self, body: dict) -> dict:
        only(body, ORDER_FIELDS)
        amount = amount_of(body)
        currency = currency_of(body, required=True)
        receipt = text_of(body, "receipt", MAX_RECEIPT)
        notes = notes_of(body)
        bool_of(body, "partial_payment")
        manual = body.get("payment_capture", 1) in (0, "0", False)
        with self.lock:
            order = self._new_order(amount, currency, receipt, notes)
            if manual:
                self._manual_capture.add(order["id"])
            return copy.deepcopy(order)

    def _new_order(self, amount: int, currency: str, receipt: str | None, notes: dict) -> dict:
        order = {
            "id": new_id("order"),
            "entity": "order",
            "amount": amount,
            "amount_paid": 0,
            "amount_due": amount,
            "currency": currency,
            "receipt": receipt,
            "offer_id": None,
            "status": "created",
            "attempts": 0,
            "notes": notes,
            "created_at": now(),
        }
        self.orders[order["id"]] = order
        return order

    def order_payments(self, order_id: str) -> dict:
        with self.lock:
            self._get(self.orders, order_id)
            return collection(copy.deepcopy([p for p in self.payments.values() if p["order_id"] == order_id]))

    def _new_payment(self, amount: int, method: str, success: bool, *, order: dict | None = None, **extra: Any) -> dict:
        """A payment attempt; authorized on success (capture is separate), failed with checkout's error otherwise."""
        payment = {
            "id": new_id("pay"),
            "entity": "payment",
            "amount": amount,
            "currency": "INR",
            "status": "authorized" if success else "failed",
            "order_id": order["id"] if order else None,
            "invoice_id": None,
            "international": False,
            "method": method,
            "amount_refunded": 0,
            "refund_status": None,
            "captured": False,
            "description": None,
            "card_id": new_id("card") if method == "card" else None,
            "bank": "HDFC" if method == "netbanking" else None,
            "wallet": None,
            "vpa": ("success@razorpay" if success else "failure@razorpay") if method == "upi" else None,
            "email": TEST_EMAIL,
            "contact": TEST_CONTACT,
            "notes": copy.deepcopy(order["notes"]) if order else {},
            "fee": 0,
            "tax": 0,
            "error_code": None if success else "BAD_REQUEST_ERROR",
            "error_description": None if success else "Payment failed",
            "error_source": None if success else "customer",
            "error_step": None if success else "payment_authorization",
            "error_reason": None if success else "payment_failed",
            "acquirer_data": {},
            "created_at": now(),
        }
        payment.update(extra)
        self.payments[payment["id"]] = payment
        if order is not None:
            order["attempts"] += 1
            if order["status"] == "created":
                order["status"] = "attempted"
        self._emit("payment.authorized" if success else "payment.failed", payment=payment)
        return payment

    def _capture(self, payment: dict) -> None:
        """Authorized → captured; a captured payment settles its order, which then fires order.paid."""
        payment.update(status="captured", captured=True)
        self._emit("payment.captured", payment=payment)
        order = self.orders.get(payment["order_id"] or "")
        if order is not None:
            order.update(status="paid", amount_paid=order["amount"], amount_due=0)
            self._emit("order.paid", payment=payment, order=order)

    def pay_order(self, order_id: str, success: bool, method: str, description: str | None = None) -> tuple[dict, dict]:
        """What checkout does when the payer finishes: returns (payment, order)."""
        with self.lock:
            order = self._get(self.orders, order_id)
            if order["status"] == "paid":
                raise RazorpayError("This order has already been paid", reason="order_already_paid")
            payment = self._new_payment(order["amount_due"], method, success, order=order, description=description)
            if success and order_id not in self._manual_capture:
                self._capture(payment)
            return copy.deepcopy(payment), copy.deepcopy(order)

    def capture(self, payment_id: str, body: dict) -> dict:
        only(body, {"amount", "currency"})
        amount = amount_of(body)
        with self.lock:
            payment = self._get(self.payments, payment_id)
            if payment["captured"]:
                raise RazorpayError("This payment has already been captured", field="payment_id")
            if payment["status"] != "authorized":
                raise RazorpayError("Only payments which have been authorized and not yet captured can be captured")
            if amount != payment["amount"]:
                raise RazorpayError("Capture amount must be equal to the amount authorized", field="amount")
            if body.get("currency", payment["currency"]) != payment["currency"]:
                raise RazorpayError("The currency should be same as the payment currency", field="currency")
            self._capture(payment)
            return copy.deepcopy(payment)

    # --- refunds --------------------------------------------------------------------------------------------------

    def refund(self, payment_id: str, body: dict, idempotency_key: str | None) -> tuple[dict, bool]:
        """(refund, created). The same X-Refund-Idempotency key for the same payment returns the first refund."""
        only(body, {"amount", "speed", "notes", "receipt"})
        with self.lock:
            payment = self._get(self.payments, payment_id)
            key = (payment_id, idempotency_key) if idempotency_key else None
            if key and key in self._refund_keys:
                return copy.deepcopy(self.refunds[self._refund_keys[key]]), False
            if not payment["captured"]:
                raise RazorpayError("The payment status should be captured for action to be taken", field="payment_id")
            remaining = payment["amount"] - payment["amount_refunded"]
            if remaining <= 0:
                raise RazorpayError("The payment has been fully refunded already", field="payment_id")
            amount = amount_of(body, required=False) or remaining
            if amount > remaining:
                raise RazorpayError("The refund amount provided is greater than amount captured", field="amount")
            speed = body.get("speed", "normal")
            if speed not in ("normal", "optimum"):
                raise RazorpayError("The selected speed is invalid.", field="speed")
            refund = {
                "id": new_id("rfnd"),
                "entity": "refund",
                "amount": amount,
                "currency": payment["currency"],
                "payment_id": payment_id,
                "notes": notes_of(body),
                "receipt": text_of(body, "receipt", MAX_RECEIPT),
                "acquirer_data": {"arn": None},
                "created_at": now(),
                "batch_id": None,
                "status": "pending",
                "speed_processed": "instant" if speed == "optimum" else "normal",
                "speed_requested": speed,
            }
            self.refunds[refund["id"]] = refund
            if key:
                self._refund_keys[key] = refund["id"]
            payment["amount_refunded"] += amount
            full = payment["amount_refunded"] == payment["amount"]
            payment["refund_status"] = "full" if full else "partial"
            if full:
                payment["status"] = "refunded"
            self._emit("refund.created", refund=refund, payment=payment)
            return copy.deepcopy(refund), True

    def settle_refund(self, refund_id: str) -> None:
        """The bank's answer: pending → processed (with an ARN), and refund.processed."""
        with self.lock:
            refund = self.refunds.get(refund_id)
            if refund is None or refund["status"] != "pending":
                return
            refund.update(status="processed", acquirer_data={"arn": f"SANDBOXARN{secrets.token_hex(6).upper()}"})
            self._emit("refund.processed", refund=refund, payment=self.payments[refund["payment_id"]])

    def payment_refunds(self, payment_id: str) -> dict:
        with self.lock:
            self._get(self.payments, payment_id)
            return collection(copy.deepcopy([r for r in self.refunds.values() if r["payment_id"] == payment_id]))

    # --- payment links --------------------------------------------------------------------------------------------

    def create_link(self, body: dict) -> dict:
        only(body, LINK_FIELDS)
        amount = amount_of(body)
        currency = currency_of(body)
        description = text_of(body, "description", 2048)
        reference_id = text_of(body, "reference_id", MAX_RECEIPT)
        customer = body.get("customer") or {}
        notify = body.get("notify") or {}
        if not isinstance(customer, dict) or not isinstance(notify, dict):
            raise RazorpayError("customer and notify must be objects", field="customer")
        callback_url = text_of(body, "callback_url", 2048)
        if callback_url and not is_web_url(callback_url):
            raise RazorpayError("The callback url format is invalid.", field="callback_url")
        callback_method = body.get("callback_method")
        if callback_url and callback_method != "get":
            raise RazorpayError("callback_method should be 'get' when callback_url is passed", field="callback_method")
        expire_by = future_of(body, "expire_by", LINK_MIN_EXPIRY_SECONDS)
        with self.lock:
            if reference_id and any(
                link["reference_id"] == reference_id and link["status"] != "cancelled" for link in self.links.values()
            ):
                message = f"Payment Link with reference id {reference_id} already exists"
                raise RazorpayError(message, field="reference_id")
            link_id = new_id("plink")
            link = {
                "id": link_id,
                "accept_partial": bool_of(body, "accept_partial"),
                "amount": amount,
                "amount_paid": 0,
                "callback_method": callback_method,
                "callback_url": callback_url,
                "cancelled_at": 0,
                "created_at": now(),
                "currency": currency,
                "customer": dict(customer),
                "description": description,
                "expire_by": expire_by or 0,
                "expired_at": 0,
                "first_min_partial_amount": body.get("first_min_partial_amount", 0),
                "notes": notes_of(body),
                "notify": {"sms": bool(notify.get("sms")), "email": bool(notify.get("email"))},
                "order_id": None,
                "payments": None,
                "reference_id": reference_id or "",
                "reminder_enable": bool_of(body, "reminder_enable"),
                "reminders": [],
                "short_url": f"{self.base_url}/sandbox/pay/{link_id}",
                "status": "created",
                "updated_at": now(),
                "upi_link": bool_of(body, "upi_link"),
                "user_id": "",
            }
            self.links[link_id] = link
            return copy.deepcopy(link)

    def _link(self, link_id: str) -> dict:
        """The link, expired on read once its expire_by has passed (Razorpay's sweeper, done lazily)."""
        link = self._get(self.links, link_id)
        if link["status"] == "created" and link["expire_by"] and now() >= link["expire_by"]:
            link.update(status="expired", expired_at=now(), updated_at=now())
            self._emit("payment_link.expired", payment_link=link)
        return link

    def cancel_link(self, link_id: str) -> dict:
        with self.lock:
            link = self._link(link_id)
            if link["status"] != "created":
                raise RazorpayError(f"Payment Link cannot be cancelled as it is {link['status']}", field="id")
            link.update(status="cancelled", cancelled_at=now(), updated_at=now())
            self._emit("payment_link.cancelled", payment_link=link)
            return copy.deepcopy(link)

    def pay_link(self, link_id: str, success: bool, method: str) -> tuple[dict, dict]:
        """The payer on the link page: (payment, link). A link gets an order on its first attempt, as on Razorpay."""
        with self.lock:
            link = self._link(link_id)
            if link["status"] != "created":
                raise RazorpayError(f"This payment link is {link['status']}", reason="payment_link_not_payable")
            if link["order_id"] is None:
                order = self._new_order(link["amount"], link["currency"], link["reference_id"] or None, link["notes"])
                link["order_id"] = order["id"]
            order = self.orders[link["order_id"]]
            contact = {k: link["customer"][k] for k in ("email", "contact") if link["customer"].get(k)}
            due = link["amount"] - link["amount_paid"]
            payment = self._new_payment(due, method, success, order=order, description=link["description"], **contact)
            if success:
                self._capture(payment)
                link.update(status="paid", amount_paid=link["amount"], updated_at=now())
                entry = {"amount": payment["amount"], "created_at": now(), "method": method, "status": "captured"}
                link["payments"] = [*(link["payments"] or []), {**entry, "payment_id": payment["id"]}]
                self._emit("payment_link.paid", payment_link=link, payment=payment, order=order)
            return copy.deepcopy(payment), copy.deepcopy(link)

    # --- UPI QR codes ---------------------------------------------------------------------------------------------

    def create_qr(self, body: dict) -> dict:
        only(body, QR_FIELDS)
        if body.get("type") != "upi_qr":
            raise RazorpayError("The type field is invalid; the sandbox makes upi_qr codes.", field="type")
        usage = body.get("usage")
        if usage not in ("single_use", "multiple_use"):
            raise RazorpayError("The usage field is invalid.", field="usage")
        fixed = bool_of(body, "fixed_amount")
        amount = amount_of(body, "payment_amount", required=fixed)
        if amount is not None and not fixed:
            raise RazorpayError("payment_amount is/are not required and should not be sent", field="payment_amount")
        with self.lock:
            qr_id = new_id("qr")
            qr = {
                "id": qr_id,
                "entity": "qr_code",
                "created_at": now(),
                "name": text_of(body, "name", 100),
                "usage": usage,
                "type": "upi_qr",
                "image_url": f"{self.base_url}/sandbox/qr/{qr_id}.png",
                "payment_amount": amount,
                "status": "active",
                "description": text_of(body, "description", 255),
                "fixed_amount": fixed,
                "payments_amount_received": 0,
                "payments_count_received": 0,
                "notes": notes_of(body),
                "customer_id": body.get("customer_id"),
                "close_by": future_of(body, "close_by", QR_MIN_CLOSE_SECONDS),
                "closed_at": None,
                "close_reason": None,
            }
            self.qr_codes[qr_id] = qr
            return copy.deepcopy(qr)

    def upi_uri(self, qr_id: str) -> str:
        """The upi:// intent encoded in the QR image (NPCI's deep-link format)."""
        qr = self.fetch("qr_codes", qr_id)
        query = {"pa": SANDBOX_VPA, "pn": qr["name"] or "Kisaansay sandbox", "tr": qr_id, "cu": "INR"}
        if qr["payment_amount"]:
            query["am"] = f"{qr['payment_amount'] / 100:.2f}"
        if qr["description"]:
            query["tn"] = qr["description"][:50]
        return "upi://pay?" + urlencode(query)

    def close_qr(self, qr_id: str) -> dict:
        with self.lock:
            qr = self._get(self.qr_codes, qr_id)
            if qr["status"] == "closed":
                raise RazorpayError("The QR code is already closed", field="id")
            qr.update(status="closed", closed_at=now(), close_reason="on_demand")
            self._emit("qr_code.closed", qr_code=qr)
            return copy.deepcopy(qr)

    def credit_qr(self, qr_id: str, amount: int | None) -> tuple[dict, dict]:
        """A payer scanned and paid: (payment, qr). A single-use code closes with close_reason "paid"."""
        with self.lock:
            qr = self._get(self.qr_codes, qr_id)
            if qr["status"] != "active":
                raise RazorpayError("The QR code is closed and cannot accept payments", field="id")
            if qr["close_by"] and now() >= qr["close_by"]:
                raise RazorpayError("The QR code has expired", field="id")
            if qr["fixed_amount"]:
                if amount not in (None, qr["payment_amount"]):
                    raise RazorpayError("A fixed-amount QR code accepts only its payment_amount", field="amount")
                amount = qr["payment_amount"]
            amount = amount_of({"amount": amount})
            notes = copy.deepcopy(qr["notes"])
            payment = self._new_payment(amount, "upi", True, notes=notes, description=qr["description"])
            self._qr_payments.setdefault(qr_id, []).append(payment["id"])
            self._capture(payment)
            qr["payments_amount_received"] += amount
            qr["payments_count_received"] += 1
            if qr["usage"] == "single_use":
                qr.update(status="closed", closed_at=now(), close_reason="paid")
            self._emit("qr_code.credited", payment=payment, qr_code=qr)
            return copy.deepcopy(payment), copy.deepcopy(qr)

    def qr_payments(self, qr_id: str) -> dict:
        with self.lock:
            self._get(self.qr_codes, qr_id)
            items = [self.payments[pid] for pid in self._qr_payments.get(qr_id, [])]
            return collection(copy.deepcopy(items))
