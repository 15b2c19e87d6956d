"""/payments (my payments, orders to pay, my plan) and /payments/view (one payment, live).

Starting a payment calls Razorpay, so those handlers run in the background: the tab's state is not locked
while the provider answers, and a double tap finds the open payment instead of making a second one.
"""

import asyncio
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist, rupees
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services.errors import DomainError
from kisaan_app.services.payments import checkout, history, links, overview
from kisaan_app.services.payments.lifecycle import PENDING_STATES
from kisaan_app.state.checkout import open_checkout
from kisaan_app.state.session import SessionState


def payment_row(r: history.PaymentRow) -> dict[str, str]:
    return {
        "receipt": r.receipt,
        "when": ist(r.created_at),
        "description": r.description or r.purpose,
        "payer": r.payer,
        "organization": r.organization or "—",
        "amount": rupees(r.amount_paise, decimals=True),
        "refunded": rupees(r.refunded_paise, decimals=True) if r.refunded_paise else "",
        "status": r.status,
        "method": r.method or "",
        "order_id": r.razorpay_order_id or "",
        "can_refund": "yes" if r.can_refund else "",  # decided by the service (refunds.refund_offered)
    }


def _start_order(principal, meta, order_id: int):
    with session_scope() as session:
        return checkout.checkout_for(checkout.start_order_payment(session, principal, meta, order_id))


def _start_plan(principal, meta, plan: str):
    with session_scope() as session:
        return checkout.checkout_for(checkout.start_plan_payment(session, principal, meta, plan))


class PaymentsState(SessionState):
    payments: list[dict[str, str]] = []
    awaiting: list[dict[str, str]] = []
    plan_status: str = "none"
    plan_name: str = ""
    plan_renews: str = ""
    monthly_price: str = ""
    yearly_price: str = ""
    error: str = ""
    busy: bool = False
    loaded: bool = False

    def _refresh(self, principal) -> None:
        with session_scope() as session:
            rows, _total = history.page(session, principal, history.PaymentFilter(), limit=50)
            self.payments = [payment_row(r) for r in rows]
            orders = overview.orders_awaiting_payment(session, principal) if principal.role == Role.BUYER else []
            self.awaiting = [
                {
                    "id": str(o.id),
                    "number": o.order_number,
                    "amount": rupees(o.amount_paise, decimals=True),
                    "quantity": f"{o.quantity:g} {o.unit}",
                }
                for o in orders
            ]
            plan = overview.current_plan(session, principal)
        self.plan_status, self.plan_name = plan.status, plan.plan or ""
        self.plan_renews = ist(plan.renews_at, "%d %b %Y") if plan.renews_at else ""
        self.monthly_price = rupees(checkout.plan_price("monthly"))
        self.yearly_price = rupees(checkout.plan_price("yearly"))
        self.loaded = True

    @rx.event
    def load(self):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.error, self.busy = "", False
        self._refresh(principal)

    async def _begin(self, starter, *args):
        """Shared by both Pay buttons: authorise, call Razorpay off the state lock, then open Checkout."""
        async with self:
            principal, denied = self.authorize(Role.BUYER, Role.FARMER)
            if denied is not None:
                return denied
            if self.busy:
                return None
            self.busy, self.error = True, ""
            meta = self._meta()
        try:
            start = await asyncio.to_thread(starter, principal, meta, *args)
        except DomainError as err:
            async with self:
                self.busy, self.error = False, self._error(err)
            return None
        async with self:
            self.busy = False
        return open_checkout(start)

    @rx.event(background=True)
    async def pay_order(self, order_id: str):
        return await self._begin(_start_order, int(order_id))

    @rx.event(background=True)
    async def buy_plan(self, plan: str):
        return await self._begin(_start_plan, plan)

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment",)
    live_roles: ClassVar[tuple[str, ...]] = (Role.FARMER, Role.BUYER)  # admins watch /admin/payments

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """One of this person's payments moved: reload the lists, if this tab has them open."""
        if self.loaded:
            await asyncio.to_thread(self._reload_live)

    def _reload_live(self) -> None:
        principal = self._current_principal()
        if principal is not None:
            self._refresh(principal)


class PaymentViewState(SessionState):
    receipt: str = ""
    detail: dict[str, str] = {}
    refunds: list[dict[str, str]] = []
    result: str = ""  # what Checkout said on the way back: paid | failed | signature_invalid | error
    result_reason: str = ""
    link_url: str = ""
    qr_svg: str = ""
    qr_amount: str = ""
    qr_until: str = ""
    qr_status: str = ""
    error: str = ""
    busy: bool = False

    @rx.var
    def is_pending(self) -> bool:
        return self.detail.get("status", "") in PENDING_STATES

    @rx.var
    def is_paid(self) -> bool:
        return self.detail.get("status", "") in ("captured", "partially_refunded", "refunded")

    def _refresh(self, principal) -> None:
        with session_scope() as session:
            row, refunds = history.one(session, principal, self.receipt)
            qr = links.open_qr(session, self.receipt) if row.status in PENDING_STATES else None
            self.qr_svg = links.qr_svg_data_uri(qr.upi_payload or "") if qr else ""
            if qr:
                self.qr_amount, self.qr_until = rupees(qr.amount_paise, decimals=True), ist(qr.close_by)
        self.link_url = row.payment_link_url or ""
        self.detail = {**payment_row(row), "payer_is_me": "yes" if row.payer_id == principal.id else "no"}
        self.refunds = [
            {
                "id": r.razorpay_refund_id or "",
                "amount": rupees(r.amount_paise, decimals=True),
                "status": r.status,
                "reason": r.reason,
                "when": ist(r.created_at),
            }
            for r in refunds
        ]

    @rx.event
    def load(self):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        params = self.router.url.query_parameters
        self.receipt = str(params.get("receipt", ""))[:40]
        self.result = str(params.get("result", ""))[:30]
        self.result_reason = str(params.get("reason", ""))[:120]
        self.error, self.busy, self.qr_svg, self.detail, self.refunds = "", False, "", {}, []
        if not self.receipt:
            self.error = self._error(DomainError(params.get("code") or "payment_not_found"))
            return None
        try:
            self._refresh(principal)
        except DomainError as err:
            self.error = self._error(err)
        return None

    @rx.event(background=True)
    async def pay_now(self):
        async with self:
            principal, denied = self.authorize()
            if denied is not None:
                return denied
            receipt = self.receipt
        try:
            with session_scope() as session:
                start = checkout.resume(session, principal, receipt)
        except DomainError as err:
            async with self:
                self.error = self._error(err)
            return None
        return open_checkout(start)

    async def _provider_step(self, step):
        async with self:
            principal, denied = self.authorize()
            if denied is not None:
                return denied
            if self.busy:
                return None
            self.busy, self.error = True, ""
            meta, order_id = self._meta(), self.detail.get("order_id", "")
        updates: dict[str, str] = {}
        try:
            updates = await asyncio.to_thread(step, principal, meta, order_id) or {}
        except DomainError as err:
            updates = {"error": self._error(err)}
        async with self:
            for name, value in updates.items():
                setattr(self, name, value)
            self.busy = False
            self._refresh(principal)
        return None

    @rx.event(background=True)
    async def make_link(self):
        return await self._provider_step(_create_link)

    @rx.event(background=True)
    async def make_qr(self):
        return await self._provider_step(_create_qr)

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment",)

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """The payment on screen moved (captured, failed, refunded): reload it from the database."""
        if self.receipt and any(e.data.receipt == self.receipt for e in events):
            await asyncio.to_thread(self._reload_live)

    def _reload_live(self) -> None:
        principal = self._current_principal()
        if principal is not None:
            self._refresh(principal)


def _create_link(principal, meta, order_id: str) -> None:
    with session_scope() as session:
        links.create_link(session, principal, meta, order_id)


def start_farm_gate_qr(principal, meta, market_order_id: int) -> str:
    """The seller's side shows a UPI QR for the buyer to scan: the buyer's payment, with its QR made."""
    with session_scope() as session:
        payment = checkout.start_order_payment(session, principal, meta, market_order_id)
        receipt, razorpay_order_id = payment.receipt, payment.razorpay_order_id
    with session_scope() as session:
        links.create_qr(session, principal, meta, razorpay_order_id)
    return receipt


def _create_qr(principal, meta, order_id: str) -> dict[str, str]:
    with session_scope() as session:
        qr = links.create_qr(session, principal, meta, order_id)
        return {
            "qr_svg": links.qr_svg_data_uri(qr.upi_payload or ""),
            "qr_amount": rupees(qr.amount_paise, decimals=True),
            "qr_until": ist(qr.close_by),
            "qr_status": qr.status,
        }
