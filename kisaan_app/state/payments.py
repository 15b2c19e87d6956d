"""/payments (my payments, orders to pay, my plan) and /payments/view (one payment, live).

Starting a payment calls Razorpay, so those handlers run in the background: the tab's state is not locked
while the provider answers, and a double tap finds the open payment instead of making a second one.
"""

from dataclasses import dataclass, replace
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import ist, rupees
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError, ErrorCode, ValidationFailed, known_code
from kisaan_app.services.payments import checkout, history, links, overview
from kisaan_app.services.payments.lifecycle import PENDING_STATES
from kisaan_app.state.checkout import open_checkout
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

PAYER_ROLES = (Role.BUYER, Role.FARMER)
PLANS = ("monthly", "yearly")


@dataclass(frozen=True)
class PaymentRow:
    receipt: str
    when: str
    description: str
    payer: str
    organization: str
    amount: str
    refunded: str  # "" when nothing was refunded
    status: str
    method: str
    order_id: str
    can_refund: bool  # decided by the service (refunds.refund_offered)
    payer_is_me: bool = False


@dataclass(frozen=True)
class AwaitingOrder:
    id: str
    number: str
    amount: str
    quantity: str


@dataclass(frozen=True)
class RefundRow:
    id: str
    amount: str
    status: str
    reason: str
    when: str


NO_PAYMENT = PaymentRow("", "", "", "", "", "", "", "", "", "", False)


def payment_row(r: history.PaymentRow) -> PaymentRow:
    return PaymentRow(
        receipt=r.receipt,
        when=ist(r.created_at),
        description=r.description or r.purpose,
        payer=r.payer,
        organization=r.organization or "—",
        amount=rupees(r.amount_paise),
        refunded=rupees(r.refunded_paise) if r.refunded_paise else "",
        status=r.status,
        method=r.method or "",
        order_id=r.razorpay_order_id or "",
        can_refund=bool(r.can_refund),
    )


def _start_order(principal, meta, order_id: int):
    with session_scope() as session:
        return checkout.checkout_for(checkout.start_order_payment(session, principal, meta, order_id))


def _start_plan(principal, meta, plan: str):
    with session_scope() as session:
        return checkout.checkout_for(checkout.start_plan_payment(session, principal, meta, plan))


class PaymentsState(SessionState):
    payments: list[PaymentRow] = []
    awaiting: list[AwaitingOrder] = []
    plan_status: str = "none"
    plan_name: str = ""
    plan_renews: str = ""
    monthly_price: str = ""
    yearly_price: str = ""
    error: str = ""
    busy: bool = False
    loaded: bool = False
    # Over every payment this person may see (not only the page shown): paid in, given back, what stays.
    total_paid: str = ""
    total_refunded: str = ""
    total_net: str = ""

    def _ask(self):
        return self.lang

    @staticmethod
    def _fetch(principal, lang):
        with session_scope() as session:
            rows, _total = history.page(session, principal, history.PaymentFilter(), limit=50)
            sums = history.totals(session, principal, history.PaymentFilter())
            orders = overview.orders_awaiting_payment(session, principal) if principal.role == Role.BUYER else []
            awaiting = [
                AwaitingOrder(
                    str(o.id), o.order_number, rupees(o.amount_paise), f"{o.quantity:g} {t(lang, f'unit.{o.unit}')}"
                )
                for o in orders
            ]
            plan = overview.current_plan(session, principal)
        renews = ist(plan.renews_at, "%d %b %Y") if plan.renews_at else ""
        money = [rupees(sums.paid_paise), rupees(sums.refunded_paise)]
        money.append(rupees(sums.net_paise))
        return [payment_row(r) for r in rows], awaiting, plan.status, plan.plan or "", renews, money

    def _show(self, result) -> None:
        self.payments, self.awaiting, self.plan_status, self.plan_name, self.plan_renews, money = result
        self.total_paid, self.total_refunded, self.total_net = money
        self.monthly_price = rupees(checkout.plan_price("monthly"))
        self.yearly_price = rupees(checkout.plan_price("yearly"))
        self.loaded = True

    @guarded()
    async def load(self, principal: Principal):
        self.busy = False
        await self._reload(principal)

    async def _begin(self, principal: Principal, starter, *args):
        """Shared by both Pay buttons: call Razorpay off the state lock, then open Checkout."""
        async with self:
            if self.busy:
                return None
            self.busy = True
            meta = self._meta()
        try:
            start = await off_loop(starter, principal, meta, *args)
        finally:
            async with self:
                self.busy = False
        return open_checkout(start)

    @guarded(*PAYER_ROLES, background=True)
    async def pay_order(self, principal: Principal, order_id: str):
        from kisaan_app.services.parsing import ident

        return await self._begin(principal, _start_order, ident(order_id, "order_not_found"))

    @guarded(*PAYER_ROLES, background=True)
    async def buy_plan(self, principal: Principal, plan: str):
        if plan not in PLANS:
            raise ValidationFailed("invalid_request", field="plan")
        return await self._begin(principal, _start_plan, plan)

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment",)
    live_roles: ClassVar[tuple[str, ...]] = (Role.FARMER, Role.BUYER)  # admins watch /admin/payments

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """One of this person's payments moved: reload the lists, if this tab has them open."""
        if self.loaded:
            await off_loop(self._reload_live)


class PaymentViewState(SessionState):
    receipt: str = ""
    detail: PaymentRow = NO_PAYMENT
    refunds: list[RefundRow] = []
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
        return self.detail.status in PENDING_STATES

    @rx.var
    def is_paid(self) -> bool:
        return self.detail.status in ("captured", "partially_refunded", "refunded")

    def _ask(self):
        return self.receipt

    @staticmethod
    def _fetch(principal, receipt):
        with session_scope() as session:
            row, refunds = history.one(session, principal, receipt)
            qr = links.open_qr(session, receipt) if row.status in PENDING_STATES else None
            shown_qr = (
                (links.qr_svg_data_uri(qr.upi_payload or ""), rupees(qr.amount_paise), ist(qr.close_by)) if qr else None
            )
        detail = replace(payment_row(row), payer_is_me=row.payer_id == principal.id)
        refund_rows = [
            RefundRow(r.razorpay_refund_id or "", rupees(r.amount_paise), r.status, r.reason, ist(r.created_at))
            for r in refunds
        ]
        return detail, refund_rows, row.payment_link_url or "", shown_qr

    def _show(self, result) -> None:
        self.detail, self.refunds, self.link_url, shown_qr = result
        self.qr_svg = shown_qr[0] if shown_qr else ""
        if shown_qr:
            self.qr_amount, self.qr_until = shown_qr[1], shown_qr[2]

    @guarded()
    async def load(self, principal: Principal):
        params = self.router.url.query_parameters
        self.receipt = str(params.get("receipt", ""))[:40]
        self.result = str(params.get("result", ""))[:30]
        self.result_reason = str(params.get("reason", ""))[:120]
        self.busy, self.qr_svg, self.detail, self.refunds = False, "", NO_PAYMENT, []
        if not self.receipt:
            raise DomainError(known_code(params.get("code"), ErrorCode.PAYMENT_NOT_FOUND))  # a code in the URL
        await self._reload(principal)

    @guarded(background=True)
    async def pay_now(self, principal: Principal):
        async with self:
            receipt = self.receipt
        return open_checkout(await off_loop(_resume, principal, receipt))

    async def _provider_step(self, principal: Principal, step):
        async with self:
            if self.busy:
                return None
            self.busy = True
            meta, order_id = self._meta(), self.detail.order_id
        updates: dict[str, str] = {}
        try:
            updates = await off_loop(step, principal, meta, order_id) or {}
        except DomainError as err:
            updates = {"error": self._error(err)}
        shown = None
        try:
            shown = await off_loop(self._fetch, principal, self.receipt)
        finally:
            async with self:
                for name, value in updates.items():
                    setattr(self, name, value)
                self.busy = False
                if shown is not None:
                    self._show(shown)
        return None

    @guarded(background=True)
    async def make_link(self, principal: Principal):
        return await self._provider_step(principal, _create_link)

    @guarded(background=True)
    async def make_qr(self, principal: Principal):
        return await self._provider_step(principal, _create_qr)

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment",)

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """The payment on screen moved (captured, failed, refunded): reload it from the database."""
        if self.receipt and any(e.data.receipt == self.receipt for e in events):
            await off_loop(self._reload_live)


def _resume(principal: Principal, receipt: str):
    with session_scope() as session:
        return checkout.resume(session, principal, receipt)


def _create_link(principal: Principal, meta: RequestMeta, order_id: str) -> None:
    with session_scope() as session:
        links.create_link(session, principal, meta, order_id)


def _create_qr(principal: Principal, meta: RequestMeta, order_id: str) -> dict[str, str]:
    with session_scope() as session:
        qr = links.create_qr(session, principal, meta, order_id)
        return {
            "qr_svg": links.qr_svg_data_uri(qr.upi_payload or ""),
            "qr_amount": rupees(qr.amount_paise),
            "qr_until": ist(qr.close_by),
            "qr_status": qr.status,
        }
