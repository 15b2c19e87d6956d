"""/orders: a buyer's purchases and a farmer's sales as cards a person can act on — the crop, the other party's
name and phone, pickup place and day, paid and refunded — with the next step each side may take. "Dispatched"
is confirmed in a dialog first and can be taken back for a short while (KISAAN_DISPATCH_UNDO_MINUTES)."""

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import ist, rupees
from kisaan_app.models.enums import OrderStatus
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import glossary, parsing
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.market import order_cards, orders
from kisaan_app.services.payments.farm_gate import SELLER_ROLES, show_farm_gate_qr
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.market import MARKET_ROLES
from kisaan_app.state.session import SessionState


@dataclass(frozen=True)
class OrderCardRow:
    id: str
    number: str
    crop: str
    what: str  # "10 quintal × ₹2,350.00"
    amount: str
    status: str
    is_buyer: bool
    listing_id: str
    hold_until: str
    other_name: str
    other_phone: str  # "" when the other party gave none
    pickup_place: str
    pickup_from: str  # "" when the farmer gave no day
    paid: str  # "" before payment
    refunded: str  # "" when nothing was refunded
    undo_until: str  # "" when "dispatched" can no longer be taken back


def card_row(card: order_cards.OrderCard, lang: str) -> OrderCardRow:
    order = card.order
    unit = t(lang, f"unit.{order.unit}")
    crop = glossary.label("crop", card.crop, lang)
    return OrderCardRow(
        id=str(order.id),
        number=order.order_number,
        crop=" · ".join(p for p in (crop, card.variety) if p),
        what=f"{order.quantity:g} {unit} × {rupees(order.price_paise)}",
        amount=rupees(order.amount_paise),
        status=order.status,
        is_buyer=card.is_buyer,
        listing_id=str(order.listing_id),
        hold_until=ist(order.hold_until) if order.status == OrderStatus.PENDING_PAYMENT else "",
        other_name=card.other_name,
        other_phone=card.other_phone or "",
        pickup_place=_place(card.pickup, lang),
        pickup_from=card.pickup_from.strftime("%d-%m-%Y") if card.pickup_from else "",
        paid=rupees(card.paid_paise) if card.paid_paise else "",
        refunded=rupees(card.refunded_paise) if card.refunded_paise else "",
        undo_until=ist(card.undo_until, "%H:%M") if card.undo_until else "",
    )


def _place(pickup: tuple[str | None, str, str], lang: str) -> str:
    village, district, state = pickup
    names = (village, glossary.label("district", district, lang), glossary.label("state", state, lang))
    return ", ".join(n for n in names if n)


class OrdersState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = MARKET_ROLES
    rows: list[OrderCardRow] = []
    error: str = ""
    loaded: bool = False
    confirm_dispatch: str = ""  # the order whose "dispatched" waits for a yes in the dialog

    def _ask(self):
        return self.lang

    @staticmethod
    def _fetch(principal, lang):
        with session_scope() as session:
            return [card_row(c, lang) for c in order_cards.order_cards(session, principal)]

    def _show(self, result) -> None:
        self.rows, self.loaded = result, True

    @guarded()
    async def load(self, principal: Principal):
        self.confirm_dispatch = ""
        await self._reload(principal)

    @guarded()
    async def advance(self, principal: Principal, order_id: str, status: str):
        """Delivered or cancelled at once; dispatched only after the dialog's yes (see ask_dispatch)."""
        if status == OrderStatus.DISPATCHED and self.confirm_dispatch != order_id:
            self.confirm_dispatch = order_id
            return
        self.confirm_dispatch = ""
        try:
            await off_loop(_advance, principal, self._meta(), parsing.ident(order_id, "order_not_found"), status)
        finally:
            await self._reload(principal)

    def cancel_dispatch(self):
        """The dialog's "not yet": nothing changes."""
        self.confirm_dispatch = ""

    @guarded(*SELLER_ROLES)
    async def undo_dispatch(self, principal: Principal, order_id: str):
        try:
            await off_loop(_undo, principal, self._meta(), parsing.ident(order_id, "order_not_found"))
        finally:
            await self._reload(principal)

    @guarded(*SELLER_ROLES, background=True)
    async def farm_gate_qr(self, principal: Principal, order_id: str):
        """Make (or reuse) the buyer's payment and its single-use UPI QR, then show it (off the state lock)."""
        async with self:
            meta = self._meta()
        shown = await off_loop(
            show_farm_gate_qr, session_scope, principal, meta, parsing.ident(order_id, "order_not_found")
        )
        return rx.redirect(f"/payments/view?receipt={shown.receipt}")

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("order",)

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """An order of this person's was made or moved: reload the list, if this tab has it open."""
        if self.loaded:
            await off_loop(self._reload_live)


def _advance(principal: Principal, meta: RequestMeta, order_id: int, status: str) -> None:
    with session_scope() as session:
        orders.advance(session, principal, meta, order_id, status)


def _undo(principal: Principal, meta: RequestMeta, order_id: int) -> None:
    with session_scope() as session:
        orders.undo_dispatch(session, principal, meta, order_id)
