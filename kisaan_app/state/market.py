"""Marketplace pages' state: browse (/market) and one listing with its offer threads (/market/listing); selling
is state/selling.py, orders state/orders.py. Thin: each handler is guarded, calls a service off the event loop
and copies the result into typed rows."""

from dataclasses import dataclass, field
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import ist, rupees
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import glossary, parsing
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Checks
from kisaan_app.services.market import bids, listings, photos, views
from kisaan_app.services.payments.farm_gate import SELLER_ROLES
from kisaan_app.state.form_keys import new_form_key
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.paging import FilteredListMixin
from kisaan_app.state.session import SessionState

MARKET_ROLES = (Role.FARMER, Role.BUYER, Role.ORG_ADMIN, Role.ADMIN)
NOTE = 500
# Inputs with an element id also arrive under that id (state/guard.py check_form): those keys mirror a field.
BID_FORM = {
    "form_key": 64,
    "quantity": 24,
    "price": 24,
    "message": NOTE,
    "bid_quantity": "quantity",
    "bid_price": "price",
    "bid_message": "message",
}
COUNTER_FORM = {"form_key": 64, "bid_id": 12, "price": 24, "quantity": 24, "message": NOTE}


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
    description: str = ""  # the farmer's own words about the produce, shown to buyers


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
    id: int
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


def _photo_url(listing) -> str:
    if not listing.photo_path:
        return ""
    return f"/api/market/listings/{listing.id}/photo?v={int(listing.updated_at.timestamp())}"


def listing_card(listing, farmer_name: str = "", lang: str = "en") -> ListingCard:
    """A listing as a card, its crop and district in the reader's language ("प्याज़" for Onion in Hindi)."""
    unit = t(lang, f"unit.{listing.unit}")
    crop = glossary.label("crop", listing.crop, lang)
    return ListingCard(
        id=str(listing.id),
        title=" · ".join(p for p in (crop, listing.variety, listing.grade) if p),
        remaining=f"{listing.quantity_remaining:g} {unit}",
        price=f"{rupees(listing.asking_price_paise)} / {unit}",
        place=", ".join(p for p in (listing.village, glossary.label("district", listing.district, lang)) if p),
        farmer=farmer_name,
        status=listing.status,
        photo=_photo_url(listing),  # versioned: a new photo shows at once, not the day-cached old one
        description=listing.description or "",
    )


def order_row(order, viewer_id: int, lang: str = "en") -> OrderRow:
    return OrderRow(
        id=str(order.id),
        number=order.order_number,
        what=f"{order.quantity:g} {t(lang, f'unit.{order.unit}')} × {rupees(order.price_paise)}",
        amount=rupees(order.amount_paise),
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
        price=rupees(t.price_paise),
        quantity=f"{t.quantity:g}",
        live=t.live,
        my_turn=t.my_turn,
        offers=[
            OfferRow(
                id=o.id,
                by_buyer=o.by_buyer,
                kind=o.kind,
                price=rupees(o.price_paise) if o.price_paise else "",
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
    filter_ids: ClassVar[dict[str, str]] = {"filter_crop": "crop", "filter_district": "district"}
    cards: list[ListingCard] = []
    # The filter boxes offer the glossary's names in the reader's language; anything typed is matched too.
    crop_choices: list[str] = []
    district_choices: list[str] = []

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
        return flt, self.page_size, self.offset, self.lang

    @staticmethod
    def _fetch(principal, ask):
        flt, limit, offset, lang = ask
        with session_scope() as session:
            rows, total = listings.search(session, flt, limit, offset)
            return [listing_card(item, name, lang) for item, name in rows], total

    def _show(self, result) -> None:
        self.cards, self.total = result

    def _on_load(self) -> None:
        self.cards = []
        self.crop_choices = glossary.choices("crop", self.lang)
        self.district_choices = glossary.choices("district", self.lang)
        # A voice choice links here as /market?crop=Onion&district=Nashik: those become the filters.
        query = self.router.url.query_parameters
        picked = {k: str(query.get(k, "")).strip()[: self.filter_max_length] for k in ("crop", "district")}
        if any(picked.values()):
            self.filters = {k: v for k, v in picked.items() if v}


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
    # The bid form: its key (one bid per render), each field's error beside it, busy while it sends.
    bid_key: str = ""
    bid_errors: dict[str, str] = {}
    counter_key: str = ""
    counter_errors: dict[str, str] = {}
    counter_bid: str = ""  # the thread whose counter form the errors belong to
    photo_max_bytes: int = 0  # what the page's uploader may send (KISAAN_PHOTO_MAX_MB)

    def _ask(self):
        return self.listing_id, self.lang

    @staticmethod
    def _fetch(principal, ask):
        listing_id, lang = ask
        with session_scope() as session:
            view = views.listing_view(session, principal, listing_id)
            return (
                listing_card(view.listing, view.farmer_name, lang),
                view.is_seller,
                [thread_row(t) for t in view.threads],
                [order_row(o, principal.id, lang) for o in view.orders],
            )

    def _show(self, result) -> None:
        self.card, self.is_seller, self.threads, self.orders = result

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        raw = str(self.router.url.query_parameters.get("id", ""))[:12]
        self.listing_id = int(raw) if raw.isdigit() else 0
        self.card, self.is_seller, self.threads, self.orders = NO_CARD, False, [], []
        self.bid_key, self.counter_key, self.bid_errors = new_form_key(), new_form_key(), {}
        self.photo_max_bytes = photos.max_bytes()
        await self._reload(principal)

    async def _act(self, principal: Principal, action, *args) -> None:
        """Run a bid action off the loop; whatever happened, show the listing as it now is."""
        try:
            number = await off_loop(_in_session, action, principal, self._meta(), *args)
        finally:
            await self._reload(principal)
        if number:
            self.message = self._tr("market.order_made", number=number)

    @guarded(fields="bid_errors", field_names={"price_paise": "price"}, clear=("message",), form=BID_FORM)
    async def place_bid(self, principal: Principal, form: dict):
        """A bid, or a higher one replacing this buyer's live bid. Errors sit beside their fields (all at once)
        and the typed values stay; after a success the form empties (a new key remounts it)."""
        checks = Checks()
        quantity = checks(parsing.quantity, form.get("quantity"), "quantity")
        price = checks(parsing.paise, form.get("price"), "price_paise", code="price_invalid")
        checks.done()
        key = form.get("form_key") or None
        await self._act(principal, bids.place_bid, self.listing_id, quantity, price, form.get("message", ""), key)
        self.message = self.message or self._tr("market.bid_sent")
        self.bid_key = new_form_key()

    @guarded(fields="counter_errors", field_names={"price_paise": "price"}, clear=("message",), form=COUNTER_FORM)
    async def counter(self, principal: Principal, form: dict):
        """A counter-offer (or the buyer's answer to one); its error shows in that thread, typed values kept."""
        self.counter_bid = str(form.get("bid_id", ""))[:12]
        bid_id = parsing.ident(form.get("bid_id"), "bid_not_found")
        price = parsing.paise(form.get("price"), "price", code="price_invalid")
        quantity = parsing.quantity(form.get("quantity"), "quantity", required=False)
        key = form.get("form_key") or None
        await self._act(principal, bids.counter, bid_id, price, quantity, form.get("message", ""), key)
        self.message = self._tr("market.counter_sent")
        self.counter_key = new_form_key()

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
    async def photo_uploaded(self, principal: Principal):
        """The page's uploader (assets/photo.js: shrunk on the phone, sent to the API with a progress bar) is
        done: show the listing with its photo."""
        await self._reload(principal)
        self.message = self._tr("market.photo_added")

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
