"""Marketplace pages' state: browse (/market), one listing and its offer threads (/market/listing), selling
(/market/sell) and orders (/orders). Thin: each handler authorises, calls a service, copies results out."""

import asyncio
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import ClassVar

import reflex as rx
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import IST, ist, rupees
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import directory
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError, ValidationFailed
from kisaan_app.services.market import bids, listings, orders, photos
from kisaan_app.state.paging import FilteredListMixin
from kisaan_app.state.session import SessionState

MARKET_ROLES = (Role.FARMER, Role.BUYER, Role.ORG_ADMIN, Role.ADMIN)
SELLER_ROLES = (Role.FARMER, Role.ORG_ADMIN, Role.ADMIN)


def paise(text: str, field: str) -> int:
    """'2,150.50' rupees → 215050 paise; anything else is a clear error."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed("price_invalid", field=field) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("price_invalid", field=field)
    return int(value * 100)


def number(text: str, field: str) -> float:
    try:
        return float(str(text).strip().replace(",", ""))
    except ValueError:
        raise ValidationFailed("quantity_invalid", field=field, max="") from None


def ist_day(text, *, end: bool = False) -> datetime | None:
    """A date from a date picker as the start (or end) of that day in India, in UTC."""
    try:
        day = date.fromisoformat(str(text or ""))
    except ValueError:
        return None
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=IST)
    return moment.astimezone(UTC)


def listing_card(listing, farmer_name: str = "") -> dict[str, str]:
    return {
        "id": str(listing.id),
        "title": " · ".join(p for p in (listing.crop, listing.variety, listing.grade) if p),
        "remaining": f"{listing.quantity_remaining:g} {listing.unit}",
        "price": f"{rupees(listing.asking_price_paise, decimals=True)} / {listing.unit}",
        "place": ", ".join(p for p in (listing.village, listing.district) if p),
        "farmer": farmer_name,
        "status": listing.status,
        "photo": f"/api/market/listings/{listing.id}/photo" if listing.photo_path else "",
    }


def order_row(order, viewer_id: int) -> dict[str, str]:
    return {
        "id": str(order.id),
        "number": order.order_number,
        "what": f"{order.quantity:g} {order.unit} × {rupees(order.price_paise, decimals=True)}",
        "amount": rupees(order.amount_paise, decimals=True),
        "status": order.status,
        "side": "buyer" if order.buyer_id == viewer_id else "seller",
        "listing_id": str(order.listing_id),
        "hold_until": ist(order.hold_until) if order.status == "pending_payment" else "",
    }


class MarketState(FilteredListMixin, SessionState):
    """/market: open listings with filters, sort and paging."""

    page_size = 20
    filter_fields = ("crop", "district", "grade", "min_quantity", "max_price", "sort")
    cards: list[dict[str, str]] = []
    error: str = ""

    def _guard(self):
        return self.authorize(*MARKET_ROLES)

    def _refresh(self, principal) -> None:
        f = self.filters
        try:
            flt = listings.ListingFilter(
                crop=f.get("crop") or None,
                district=f.get("district") or None,
                grade=f.get("grade") or None,
                min_quantity=number(f["min_quantity"], "min_quantity") if f.get("min_quantity") else None,
                max_price_paise=paise(f["max_price"], "max_price") if f.get("max_price") else None,
                sort=f.get("sort") or "newest",
            )
            with session_scope() as session:
                rows, self.total = listings.search(session, flt, self.page_size, self.offset)
            self.cards, self.error = [listing_card(item, name) for item, name in rows], ""
        except DomainError as err:
            self.cards, self.total, self.error = [], 0, self._error(err)


class ListingState(SessionState):
    """/market/listing?id=N: the listing, and its offer threads — a buyer's own, or all of them for the seller."""

    listing_id: int = 0
    card: dict[str, str] = {}
    is_seller: bool = False
    threads: list[dict[str, str]] = []  # one per bid (a buyer sees only their own)
    offers: dict[str, list[dict[str, str]]] = {}  # bid id → its thread of offers, oldest first
    orders: list[dict[str, str]] = []
    error: str = ""
    message: str = ""

    def _refresh(self, principal) -> None:
        with session_scope() as session:
            listing = listings.visible(session, principal, self.listing_id)
            farmer = session.get(User, listing.farmer_id)
            self.card = listing_card(listing, farmer.full_name if farmer else "")
            self.is_seller = listings.can_manage(principal, listing)
            threads, offers_by_bid = [], {}
            for bid in bids.bids_for_listing(session, principal, listing):
                buyer = session.get(User, bid.buyer_id)
                profile = buyer.buyer_profile if buyer else None
                offers = [
                    {
                        "who": "buyer" if o.author_id == bid.buyer_id else "seller",
                        "kind": o.kind,
                        "price": rupees(o.price_paise, decimals=True) if o.price_paise else "",
                        "quantity": f"{o.quantity:g}" if o.quantity else "",
                        "note": o.message or "",
                        "when": ist(o.created_at),
                    }
                    for o in bids.thread(session, principal, bid.id)
                ]
                waiting_for_seller = bid.status == "open"
                my_turn = bid.status in bids.LIVE_STATUSES and waiting_for_seller == self.is_seller
                threads.append(
                    {
                        "id": str(bid.id),
                        "buyer": buyer.full_name if buyer else "",
                        "buyer_district": (profile.district if profile else "") or "",
                        "status": bid.status,
                        "price": rupees(bid.price_paise, decimals=True),
                        "quantity": f"{bid.quantity:g}",
                        "my_turn": "yes" if my_turn else "no",
                    }
                )
                offers_by_bid[str(bid.id)] = offers
            self.threads, self.offers = threads, offers_by_bid
            mine = [o for o in orders.orders_for(session, principal, limit=200) if o.listing_id == listing.id]
            self.orders = [order_row(o, principal.id) for o in mine]

    @rx.event
    def load(self):
        principal, denied = self.authorize(*MARKET_ROLES)
        if denied is not None:
            return denied
        raw = str(self.router.url.query_parameters.get("id", ""))
        self.listing_id = int(raw) if raw.isdigit() else 0
        self.error, self.message, self.card, self.threads, self.offers, self.orders = "", "", {}, [], {}, []
        try:
            self._refresh(principal)
        except DomainError as err:
            self.error = self._error(err)

    def _act(self, action) -> None:
        principal, denied = self.authorize(*MARKET_ROLES)
        if denied is not None:
            return denied
        self.error, self.message = "", ""
        try:
            with session_scope() as session:
                result = action(session, principal)
            if result:
                self.message = result
        except DomainError as err:
            self.error = self._error(err)
        self._refresh(principal)
        return None

    def _order_message(self, result) -> str | None:
        if hasattr(result, "order_number"):
            return self._tr("market.order_made", number=result.order_number)
        return None

    @rx.event
    def place_bid(self, form: dict):
        def act(session, principal):
            quantity, price = number(form.get("quantity", ""), "quantity"), paise(form.get("price", ""), "price")
            result = bids.place_bid(
                session, principal, self._meta(), self.listing_id, quantity, price, str(form.get("message", ""))[:500]
            )
            return self._order_message(result) or self._tr("market.bid_sent")

        return self._act(act)

    @rx.event
    def counter(self, form: dict):
        def act(session, principal):
            bid_id = int(form.get("bid_id", 0))
            bids.counter(
                session,
                principal,
                self._meta(),
                bid_id,
                paise(form.get("price", ""), "price"),
                number(form["quantity"], "quantity") if form.get("quantity") else None,
                str(form.get("message", ""))[:500],
            )
            return self._tr("market.counter_sent")

        return self._act(act)

    @rx.event
    def accept(self, bid_id: str):
        return self._act(lambda s, p: self._order_message(bids.accept(s, p, self._meta(), int(bid_id))))

    @rx.event
    def reject(self, bid_id: str):
        return self._act(lambda s, p: bids.reject(s, p, self._meta(), int(bid_id)) and None)

    @rx.event
    def withdraw(self, bid_id: str):
        return self._act(lambda s, p: bids.withdraw(s, p, self._meta(), int(bid_id)) and None)

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        """The seller adds a photo; the same checks as the API (size, real image, re-encoded)."""
        principal, denied = self.authorize(*SELLER_ROLES)
        if denied is not None:
            return denied
        if not files:
            return None
        data = await files[0].read(photos.MAX_BYTES + 1)
        self.error, self.message = "", ""
        try:
            # Decoding a photo takes a CPU for a while: off the event loop that carries every open page.
            await asyncio.to_thread(_attach_photo, principal, self._meta(), self.listing_id, data)
        except DomainError as err:
            self.error = self._error(err)
        self._refresh(principal)
        return None

    @rx.event
    def close_listing(self):
        return self._act(lambda s, p: listings.close_listing(s, p, self._meta(), self.listing_id) and None)

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("bid", "order")

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """A bid, offer or order on the listing this tab shows: reload it from the database."""
        if self.listing_id and any(e.data.listing_id == self.listing_id for e in events):
            await asyncio.to_thread(self._reload_live)

    def _reload_live(self) -> None:
        principal = self._current_principal()
        if principal is not None:
            try:
                self._refresh(principal)
            except DomainError:
                pass


def _attach_photo(principal: Principal, meta: RequestMeta, listing_id: int, data: bytes) -> None:
    with session_scope() as session:
        photos.attach(session, principal, meta, listing_id, io.BytesIO(data))


class SellState(SessionState):
    """/market/sell: a new listing (for an FPO admin: on behalf of a member) with the mandi price hint."""

    mine: list[dict[str, str]] = []
    members: list[list[str]] = []
    hint: str = ""
    hint_warning: bool = False
    field_errors: dict[str, str] = {}
    message: str = ""
    draft: dict[str, str] = {"unit": "quintal"}

    def _refresh(self, principal) -> None:
        with session_scope() as session:
            self.mine = [listing_card(item) for item in listings.mine(session, principal)]
            if principal.role in (Role.ORG_ADMIN, Role.ADMIN):
                rows, _ = directory.list_users(
                    session, principal, directory.UserFilter(role="farmer", active=True), limit=200
                )
                self.members = [[str(r.id), f"{r.full_name} ({r.district or '—'})"] for r in rows]

    @rx.event
    def load(self):
        principal, denied = self.authorize(*SELLER_ROLES)
        if denied is not None:
            return denied
        self.field_errors, self.message, self.hint, self.hint_warning = {}, "", "", False
        if principal.role == Role.FARMER:
            with session_scope() as session:
                profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == principal.id)).first()
            if profile:
                self.draft = {
                    **self.draft,
                    "district": profile.district or "",
                    "state": profile.state or "",
                    "village": profile.village or "",
                }
        self._refresh(principal)

    @rx.event
    def update_draft(self, field: str, value: str):
        """Typing in crop, unit, district or price refreshes the mandi price hint."""
        self.draft = {**self.draft, field: str(value)[:80]}
        if field not in ("crop", "unit", "district", "state", "price"):
            return
        d = self.draft
        if not d.get("crop"):
            self.hint, self.hint_warning = "", False
            return
        try:
            reserve = paise(d["price"], "price") if d.get("price") else None
        except DomainError:
            reserve = None
        with session_scope() as session:
            hint = listings.price_hint(
                session,
                d["crop"].strip().title(),
                d.get("district", "").title() or None,
                d.get("state", "").title() or None,
                d.get("unit", "quintal"),
                reserve,
            )
        if hint.modal_paise_per_unit is None:
            self.hint, self.hint_warning = self._tr("market.no_hint"), False
            return
        self.hint = self._tr(
            "market.hint",
            price=rupees(hint.modal_paise_per_unit, decimals=True),
            unit=d.get("unit", "quintal"),
            markets=", ".join(hint.markets),
        )
        self.hint_warning = hint.far_below

    @rx.event
    def create(self, form: dict):
        principal, denied = self.authorize(*SELLER_ROLES)
        if denied is not None:
            return denied
        self.field_errors, self.message = {}, ""
        try:
            auto = str(form.get("auto_accept", "")).strip()
            data = listings.ListingInput(
                crop=str(form.get("crop", "")),
                variety=str(form.get("variety", "")) or None,
                grade=str(form.get("grade", "")) or None,
                quantity=number(form.get("quantity", ""), "quantity"),
                unit=str(form.get("unit", "quintal")),
                price_paise=paise(form.get("price", ""), "price"),
                auto_accept_price_paise=paise(auto, "auto_accept") if auto else None,
                district=str(form.get("district", "")),
                state=str(form.get("state", "")),
                village=str(form.get("village", "")) or None,
                available_from=ist_day(form.get("available_from")),
                available_until=ist_day(form.get("available_until"), end=True),
                description=str(form.get("description", "")) or None,
            )
            farmer = str(form.get("farmer_id", ""))
            with session_scope() as session:
                listing = listings.create_listing(
                    session, principal, self._meta(), data, farmer_id=int(farmer) if farmer.isdigit() else None
                )
                new_id = listing.id
        except DomainError as err:
            field = {"price_paise": "price", "auto_accept_price_paise": "auto_accept"}.get(err.field, err.field)
            self.field_errors = {field or "form": self._error(err)}
            return None
        self.message = self._tr("market.listed")
        self._refresh(principal)
        return rx.redirect(f"/market/listing?id={new_id}")


class OrdersState(SessionState):
    """/orders: a buyer's purchases and a farmer's sales, with the next step each side can take."""

    rows: list[dict[str, str]] = []
    error: str = ""
    loaded: bool = False

    def _refresh(self, principal) -> None:
        with session_scope() as session:
            self.rows = [order_row(o, principal.id) for o in orders.orders_for(session, principal)]
        self.loaded = True

    @rx.event
    def load(self):
        principal, denied = self.authorize(*MARKET_ROLES)
        if denied is not None:
            return denied
        self.error = ""
        self._refresh(principal)

    @rx.event
    def advance(self, order_id: str, status: str):
        principal, denied = self.authorize(*MARKET_ROLES)
        if denied is not None:
            return denied
        self.error = ""
        try:
            with session_scope() as session:
                orders.advance(session, principal, self._meta(), int(order_id), status)
        except DomainError as err:
            self.error = self._error(err)
        self._refresh(principal)
        return None

    @rx.event(background=True)
    async def farm_gate_qr(self, order_id: str):
        """Make (or reuse) the buyer's payment and its single-use UPI QR, then show it."""
        from kisaan_app.state.payments import start_farm_gate_qr

        async with self:
            principal, denied = self.authorize(*SELLER_ROLES)
            if denied is not None:
                return denied
            meta, self.error = self._meta(), ""
        try:
            receipt = await asyncio.to_thread(start_farm_gate_qr, principal, meta, int(order_id))
        except DomainError as err:
            async with self:
                self.error = self._error(err)
            return None
        return rx.redirect(f"/payments/view?receipt={receipt}")

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("order",)

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """An order of this person's was made or moved: reload the list, if this tab has it open."""
        if self.loaded:
            await asyncio.to_thread(self._reload_live)

    def _reload_live(self) -> None:
        principal = self._current_principal()
        if principal is not None:
            self._refresh(principal)
