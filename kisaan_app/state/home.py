"""The home page: a visitor's public welcome (today's prices), a farmer's farm summary, a buyer's business,
an admin's head counts."""

from dataclasses import dataclass

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.enums import Role
from kisaan_app.services import accounts, glossary
from kisaan_app.services.accounts import directory, profiles
from kisaan_app.services.context import Principal
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.dashboard_rows import PriceRow, board_row
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import ADMIN_ROLES, SessionState


@dataclass(frozen=True)
class BuyerListingRow:
    id: str
    crop: str
    farmer: str
    place: str
    left: str
    price: str


@dataclass(frozen=True)
class BuyerLine:
    """One offer or order: what, how much, its status key (bid_status.* / order_status.*) and where it lives."""

    title: str
    figures: str
    status: str
    href: str


class HomeState(SessionState):
    crops: list[str] = []
    village: str = ""
    district: str = ""
    state_name: str = ""
    land_area: str = ""
    business_name: str = ""
    gstin: str = ""
    organization_name: str = ""
    stats: dict[str, int] = {}
    # "" until the first load knows, "visitor" for someone not signed in, "member" for a signed-in person.
    who: str = ""
    public_prices: list[PriceRow] = []
    # A buyer's home: open produce near them, their offers and orders (services/market/buyer_home.py).
    buyer_near: bool = False
    buyer_listings: list[BuyerListingRow] = []
    buyer_offers: list[BuyerLine] = []
    buyer_orders: list[BuyerLine] = []

    @rx.var
    def greeting(self) -> str:
        return self._tr("home.greeting", name=self.user_name)

    @rx.var
    def location(self) -> str:
        """The farm's place with the district and state in the reader's language and script."""
        district, state = (
            glossary.label("district", self.district, self.lang),
            glossary.label("state", self.state_name, self.lang),
        )
        return ", ".join(part for part in (self.village, district, state) if part)

    @rx.var
    def land_text(self) -> str:
        return self._tr("home.acres", area=self.land_area) if self.land_area else ""

    @guarded(public=True, error=None)
    async def welcome(self, principal: None):
        """`/` for everyone: a signed-in person gets their home, a visitor the public page (no redirect)."""
        if await off_loop(_signed_in, self._token()):
            self.who = "member"
            return [HomeState.load, DashboardState.load]
        self._remember(None)
        self.access, self.who = "", "visitor"
        self.public_prices = await off_loop(_public_prices, self.lang)
        return None

    @guarded(error=None)
    async def load(self, principal: Principal):
        view, stats, shop = await off_loop(_home, principal)
        self.lang = view.preferred_language  # first: the cards below are written in it
        if shop is not None:
            self._show_buyer_home(shop)
        self.crops = [self._crop(c) for c in view.crops]  # badges: the reader's-language names
        self.village, self.district, self.state_name = view.village or "", view.district or "", view.state or ""
        self.land_area = f"{view.land_area_acres:g}" if view.land_area_acres is not None else ""
        self.business_name, self.gstin = view.business_name or "", view.gstin or ""
        self.organization_name = view.organization_name or ""
        self.stats = stats

    def _crop(self, name: str) -> str:
        return glossary.label("crop", name, self.lang)

    def _show_buyer_home(self, shop) -> None:
        self.buyer_near = shop.near
        self.buyer_listings = [
            BuyerListingRow(
                id=str(item.id),
                crop=" · ".join(p for p in (self._crop(item.crop), item.variety) if p),
                farmer=item.farmer,
                place=item.place,
                left=self._tr(
                    "home.per_unit_left", unit=self._tr("unit." + item.unit), quantity=f"{item.quantity_remaining:g}"
                ),
                price=rupees(item.asking_price_paise),
            )
            for item in shop.listings
        ]
        self.buyer_offers = [
            BuyerLine(
                title=self._crop(o.crop),
                figures=f"{o.quantity:g} {self._tr('unit.' + o.unit)} × {rupees(o.price_paise)}",
                status=f"bid_status.{o.status}",
                href=f"/market/listing?id={o.listing_id}",
            )
            for o in shop.offers
        ]
        self.buyer_orders = [
            BuyerLine(
                title=f"{self._crop(o.crop)} · {o.order_number}",
                figures=f"{o.quantity:g} {self._tr('unit.' + o.unit)} · {rupees(o.amount_paise)}",
                status=f"order_status.{o.status}",
                href="/orders",
            )
            for o in shop.orders
        ]


def _home(principal: Principal):
    """(profile, admin head counts, a buyer's market glance) in one session, in a worker thread."""
    from kisaan_app.services.market.buyer_home import buyer_home

    with session_scope() as session:
        view = profiles.get_profile(session, principal)
        stats = directory.people_stats(session, principal).__dict__ if principal.role in ADMIN_ROLES else {}
        shop = buyer_home(session, principal) if principal.role == Role.BUYER else None
        return view, dict(stats), shop


def _signed_in(token: str | None) -> bool:
    with session_scope() as session:
        return accounts.principal_for_token(session, token) is not None


def _public_prices(lang: str) -> list[PriceRow]:
    """Today's mandi prices for anyone (public market data): the latest day of each series."""
    from kisaan_app.services.feeds import price_board

    with session_scope() as session:
        return [board_row(p, lang) for p in price_board.public_board(session)]
