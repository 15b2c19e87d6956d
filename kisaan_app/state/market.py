"""Marketplace pages' state: browse (/market), one listing and its offer threads (/market/listing), selling
(/market/sell) and orders (/orders). Thin: each handler is guarded, calls a service off the event loop and
copies the result into typed rows."""

import io
from dataclasses import dataclass, field
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist, rupees
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import parsing
from kisaan_app.services.accounts import directory
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError
from kisaan_app.services.market import bids, listings, orders, photos, views
from kisaan_app.services.payments.farm_gate import SELLER_ROLES, show_farm_gate_qr
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.paging import FilteredListMixin
from kisaan_app.state.session import SessionState

MARKET_ROLES = (Role.FARMER, Role.BUYER, Role.ORG_ADMIN, Role.ADMIN)
NOTE = 500
# Inputs with an element id also arrive under that id (state/guard.py check_form): those keys mirror a field.
BID_FORM = {"quantity": 24, "price": 24, "message": NOTE, "bid_quantity": "quantity", "bid_price": "price"}
COUNTER_FORM = {"bid_id": 12, "price": 24, "quantity": 24, "message": NOTE}
SELL_FORM = {
    "farmer_id": 12,
    "crop": 60,
    "variety": 60,
    "grade": 30,
    "quantity": 24,
    "unit": 10,
    "price": 24,
    "auto_accept": 24,
    "district": 80,
    "state": 80,
    "village": 120,
    "available_from": 10,
    "available_until": 10,
    "description": 1000,
    **{f"sell_{name}": name for name in ("crop", "variety", "grade", "quantity", "unit", "price")},
    **{f"sell_{name}": name for name in ("auto_accept", "village", "district", "state")},
    "sell_farmer": "farmer_id",
}
HINT_FIELDS = ("crop", "unit", "district", "state", "price")


@dataclass(frozen=True)
class ListingCard:
    id: str
    title: str
    remaining: str
    price: str
    place: str
    farmer: str
    status: str
    photo: str  # "" when there is none


@dataclass(frozen=True)
class OrderRow:
    id: str
    number: str
    what: str
    amount: str
    status: str
    is_buyer: bool  # the viewer bought it (else: their side sold it)
    listing_id: str
    hold_until: str


@dataclass(frozen=True)
class OfferRow:
    by_buyer: bool
    kind: str
    price: str
    quantity: str
    note: str
    when: str


@dataclass(frozen=True)
class ThreadRow:
    id: str
    buyer: str
    buyer_district: str
    status: str
    price: str
    quantity: str
    live: bool
    my_turn: bool  # decided by the service (views.listing_view)
    offers: list[OfferRow] = field(default_factory=list)


NO_CARD = ListingCard("", "", "", "", "", "", "", "")


def listing_card(listing, farmer_name: str = "") -> ListingCard:
    return ListingCard(
        id=str(listing.id),
        title=" · ".join(p for p in (listing.crop, listing.variety, listing.grade) if p),
        remaining=f"{listing.quantity_remaining:g} {listing.unit}",
        price=f"{rupees(listing.asking_price_paise, decimals=True)} / {listing.unit}",
        place=", ".join(p for p in (listing.village, listing.district) if p),
        farmer=farmer_name,
        status=listing.status,
        photo=f"/api/market/listings/{listing.id}/photo" if listing.photo_path else "",
    )


def order_row(order, viewer_id: int) -> OrderRow:
    return OrderRow(
        id=str(order.id),
        number=order.order_number,
        what=f"{order.quantity:g} {order.unit} × {rupees(order.price_paise, decimals=True)}",
        amount=rupees(order.amount_paise, decimals=True),
        status=order.status,
        is_buyer=order.buyer_id == viewer_id,
        listing_id=str(order.listing_id),
        hold_until=ist(order.hold_until) if order.status == "pending_payment" else "",
    )


def thread_row(t: views.ThreadView) -> ThreadRow:
    return ThreadRow(
        id=str(t.bid_id),
        buyer=t.buyer_name,
        buyer_district=t.buyer_district,
        status=t.status,
        price=rupees(t.price_paise, decimals=True),
        quantity=f"{t.quantity:g}",
        live=t.live,
        my_turn=t.my_turn,
        offers=[
            OfferRow(
                by_buyer=o.by_buyer,
                kind=o.kind,
                price=rupees(o.price_paise, decimals=True) if o.price_paise else "",
                quantity=f"{o.quantity:g}" if o.quantity else "",
                note=o.note,
                when=ist(o.created_at),
            )
            for o in t.offers
        ],
    )


class MarketState(FilteredListMixin, SessionState):
    """/market: open listings with filters, sort and paging."""

    guard_roles: ClassVar[tuple[str, ...]] = MARKET_ROLES
    page_size: ClassVar[int] = 20
    rows_var: ClassVar[str] = "cards"
    filter_fields: ClassVar[tuple[str, ...]] = ("crop", "district", "grade", "min_quantity", "max_price", "sort")
    cards: list[ListingCard] = []

    def _ask(self):
        f = self.filters
        flt = listings.ListingFilter(
            crop=f.get("crop") or None,
            district=f.get("district") or None,
            grade=f.get("grade") or None,
            min_quantity=parsing.quantity(f.get("min_quantity"), "min_quantity", required=False),
            max_price_paise=parsing.paise(f.get("max_price"), "max_price", code="price_invalid", required=False),
            sort=f.get("sort") or "newest",
        )
        return flt, self.page_size, self.offset

    @staticmethod
    def _fetch(principal, ask):
        flt, limit, offset = ask
        with session_scope() as session:
            rows, total = listings.search(session, flt, limit, offset)
            return [listing_card(item, name) for item, name in rows], total

    def _show(self, result) -> None:
        self.cards, self.total = result

    def _on_load(self) -> None:
        self.cards = []


class ListingState(SessionState):
    """/market/listing?id=N: the listing, and its offer threads — a buyer's own, or all of them for the seller."""

    guard_roles: ClassVar[tuple[str, ...]] = MARKET_ROLES
    listing_id: int = 0
    card: ListingCard = NO_CARD
    is_seller: bool = False
    threads: list[ThreadRow] = []  # one per bid (a buyer sees only their own), each with its offers
    orders: list[OrderRow] = []
    error: str = ""
    message: str = ""

    def _ask(self):
        return self.listing_id

    @staticmethod
    def _fetch(principal, listing_id):
        with session_scope() as session:
            view = views.listing_view(session, principal, listing_id)
            return (
                listing_card(view.listing, view.farmer_name),
                view.is_seller,
                [thread_row(t) for t in view.threads],
                [order_row(o, principal.id) for o in view.orders],
            )

    def _show(self, result) -> None:
        self.card, self.is_seller, self.threads, self.orders = result

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        raw = str(self.router.url.query_parameters.get("id", ""))[:12]
        self.listing_id = int(raw) if raw.isdigit() else 0
        self.card, self.is_seller, self.threads, self.orders = NO_CARD, False, [], []
        await self._reload(principal)

    async def _act(self, principal: Principal, action, *args) -> None:
        """Run a bid action off the loop; whatever happened, show the listing as it now is."""
        try:
            number = await off_loop(_in_session, action, principal, self._meta(), *args)
        finally:
            await self._reload(principal)
        if number:
            self.message = self._tr("market.order_made", number=number)

    @guarded(clear=("message",), form=BID_FORM)
    async def place_bid(self, principal: Principal, form: dict):
        quantity = parsing.quantity(form.get("quantity"), "quantity")
        price = parsing.paise(form.get("price"), "price", code="price_invalid")
        await self._act(principal, bids.place_bid, self.listing_id, quantity, price, form.get("message", ""))
        self.message = self.message or self._tr("market.bid_sent")

    @guarded(clear=("message",), form=COUNTER_FORM)
    async def counter(self, principal: Principal, form: dict):
        bid_id = parsing.ident(form.get("bid_id"), "bid_not_found")
        price = parsing.paise(form.get("price"), "price", code="price_invalid")
        quantity = parsing.quantity(form.get("quantity"), "quantity", required=False)
        await self._act(principal, bids.counter, bid_id, price, quantity, form.get("message", ""))
        self.message = self._tr("market.counter_sent")

    @guarded(clear=("message",))
    async def accept(self, principal: Principal, bid_id: str):
        await self._act(principal, bids.accept, parsing.ident(bid_id, "bid_not_found"))

    @guarded(clear=("message",))
    async def reject(self, principal: Principal, bid_id: str):
        await self._act(principal, bids.reject, parsing.ident(bid_id, "bid_not_found"))

    @guarded(clear=("message",))
    async def withdraw(self, principal: Principal, bid_id: str):
        await self._act(principal, bids.withdraw, parsing.ident(bid_id, "bid_not_found"))

    @guarded(clear=("message",))
    async def close_listing(self, principal: Principal):
        await self._act(principal, listings.close_listing, self.listing_id)

    @guarded(*SELLER_ROLES, clear=("message",))
    async def upload_photo(self, principal: Principal, files: list[rx.UploadFile]):
        """The seller adds a photo; the same checks as the API (size, real image, re-encoded)."""
        if not files:
            return
        data = await files[0].read(photos.MAX_BYTES + 1)
        try:
            # Decoding a photo takes a CPU for a while: off the event loop that carries every open page.
            await off_loop(_attach_photo, principal, self._meta(), self.listing_id, data)
        finally:
            await self._reload(principal)

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("bid", "order")

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """A bid, offer or order on the listing this tab shows: reload it from the database."""
        if self.listing_id and any(e.data.listing_id == self.listing_id for e in events):
            await off_loop(self._reload_live)


def _in_session(action, principal: Principal, meta: RequestMeta, *args) -> str | None:
    """Run a market action in one session; the new order's number when it made one (accept, auto-accept)."""
    with session_scope() as session:
        return getattr(action(session, principal, meta, *args), "order_number", None)


def _attach_photo(principal: Principal, meta: RequestMeta, listing_id: int, data: bytes) -> None:
    with session_scope() as session:
        photos.attach(session, principal, meta, listing_id, io.BytesIO(data))


class SellState(SessionState):
    """/market/sell: a new listing (for an FPO admin: on behalf of a member) with the mandi price hint."""

    guard_roles: ClassVar[tuple[str, ...]] = SELLER_ROLES
    mine: list[ListingCard] = []
    members: list[list[str]] = []
    hint: str = ""
    hint_warning: bool = False
    field_errors: dict[str, str] = {}
    message: str = ""
    draft: dict[str, str] = {"unit": "quintal"}

    @staticmethod
    def _fetch(principal, _ask):
        with session_scope() as session:
            mine = [listing_card(item) for item in listings.mine(session, principal)]
            members = []
            if principal.role in (Role.ORG_ADMIN, Role.ADMIN):
                flt = directory.UserFilter(role="farmer", active=True)
                rows, _ = directory.list_users(session, principal, flt, limit=200)
                members = [[str(r.id), f"{r.full_name} ({r.district or '—'})"] for r in rows]
            place = views.farmer_place(session, principal) if principal.role == Role.FARMER else None
            return mine, members, place

    def _show(self, result) -> None:
        self.mine, self.members, place = result
        if place is not None:
            self.draft = {**self.draft, "district": place.district, "state": place.state, "village": place.village}

    @guarded(error=None, fields="field_errors", clear=("message", "hint"))
    async def load(self, principal: Principal):
        self.hint_warning = False
        await self._reload(principal)

    @guarded(error=None)
    async def update_draft(self, principal: Principal, name: str, value: str):
        """Typing in crop, unit, district or price refreshes the mandi price hint."""
        if name not in SELL_FORM or len(str(value)) > SELL_FORM[name]:
            return  # not a field of this form, or longer than it takes: refused, the draft stays as it was
        self.draft = {**self.draft, name: str(value)}
        if name not in HINT_FIELDS:
            return
        d = self.draft
        if not d.get("crop", "").strip():
            self.hint, self.hint_warning = "", False
            return
        try:
            reserve = parsing.paise(d.get("price"), "price", required=False)
        except DomainError:
            reserve = None
        unit = d.get("unit", "quintal")
        ask = (d["crop"].strip().title(), d.get("district", "").title() or None, d.get("state", "").title() or None)
        hint = await off_loop(_price_hint, *ask, unit, reserve)
        if hint.modal_paise_per_unit is None:
            self.hint, self.hint_warning = self._tr("market.no_hint"), False
            return
        self.hint = self._tr(
            "market.hint",
            price=rupees(hint.modal_paise_per_unit, decimals=True),
            unit=unit,
            markets=", ".join(hint.markets),
        )
        self.hint_warning = hint.far_below

    @guarded(
        error=None,
        fields="field_errors",
        field_names={"price_paise": "price", "auto_accept_price_paise": "auto_accept"},
        clear=("message",),
        form=SELL_FORM,
    )
    async def create(self, principal: Principal, form: dict):
        since = parsing.day(form.get("available_from"), "available_from")
        until = parsing.day(form.get("available_until"), "available_until")
        data = listings.ListingInput(
            crop=form.get("crop", ""),
            variety=form.get("variety") or None,
            grade=form.get("grade") or None,
            quantity=parsing.quantity(form.get("quantity"), "quantity"),
            unit=form.get("unit") or "quintal",
            price_paise=parsing.paise(form.get("price"), "price", code="price_invalid"),
            auto_accept_price_paise=parsing.paise(
                form.get("auto_accept"), "auto_accept", code="price_invalid", required=False
            ),
            district=form.get("district", ""),
            state=form.get("state", ""),
            village=form.get("village") or None,
            available_from=parsing.ist_start(since) if since else None,
            available_until=parsing.ist_end(until) if until else None,
            description=form.get("description") or None,
        )
        farmer = form.get("farmer_id", "")
        new_id = await off_loop(
            _create_listing, principal, self._meta(), data, int(farmer) if farmer.isdigit() else None
        )
        self.message = self._tr("market.listed")
        await self._reload(principal)
        return rx.redirect(f"/market/listing?id={new_id}")


def _price_hint(crop: str, district: str | None, state: str | None, unit: str, reserve: int | None):
    with session_scope() as session:
        return listings.price_hint(session, crop, district, state, unit, reserve)


def _create_listing(principal: Principal, meta: RequestMeta, data, farmer_id: int | None) -> int:
    with session_scope() as session:
        return listings.create_listing(session, principal, meta, data, farmer_id=farmer_id).id


class OrdersState(SessionState):
    """/orders: a buyer's purchases and a farmer's sales, with the next step each side can take."""

    guard_roles: ClassVar[tuple[str, ...]] = MARKET_ROLES
    rows: list[OrderRow] = []
    error: str = ""
    loaded: bool = False

    @staticmethod
    def _fetch(principal, _ask):
        with session_scope() as session:
            return [order_row(o, principal.id) for o in orders.orders_for(session, principal)]

    def _show(self, result) -> None:
        self.rows, self.loaded = result, True

    @guarded()
    async def load(self, principal: Principal):
        await self._reload(principal)

    @guarded()
    async def advance(self, principal: Principal, order_id: str, status: str):
        try:
            await off_loop(_advance, principal, self._meta(), parsing.ident(order_id, "order_not_found"), status)
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
