"""The home page: a visitor's public welcome (today's prices), a farmer's farm summary, a buyer's business,
an admin's head counts."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.accounts import directory, profiles
from kisaan_app.services.context import Principal
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.dashboard_rows import PriceRow, board_row
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import ADMIN_ROLES, SessionState


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

    @rx.var
    def greeting(self) -> str:
        return self._tr("home.greeting", name=self.user_name)

    @rx.var
    def location(self) -> str:
        return ", ".join(part for part in (self.village, self.district, self.state_name) if part)

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
        self.public_prices = await off_loop(_public_prices)
        return None

    @guarded(error=None)
    async def load(self, principal: Principal):
        view, stats = await off_loop(_home, principal)
        self.lang = view.preferred_language
        self.crops = view.crops
        self.village, self.district, self.state_name = view.village or "", view.district or "", view.state or ""
        self.land_area = f"{view.land_area_acres:g}" if view.land_area_acres is not None else ""
        self.business_name, self.gstin = view.business_name or "", view.gstin or ""
        self.organization_name = view.organization_name or ""
        self.stats = stats


def _home(principal: Principal) -> tuple[profiles.ProfileView, dict[str, int]]:
    with session_scope() as session:
        view = profiles.get_profile(session, principal)
        stats = directory.people_stats(session, principal).__dict__ if principal.role in ADMIN_ROLES else {}
        return view, dict(stats)


def _signed_in(token: str | None) -> bool:
    with session_scope() as session:
        return accounts.principal_for_token(session, token) is not None


def _public_prices() -> list[PriceRow]:
    """Today's mandi prices for anyone (public market data): the latest day of each series."""
    from kisaan_app.services.feeds import price_board

    with session_scope() as session:
        return [board_row(p) for p in price_board.public_board(session)]
