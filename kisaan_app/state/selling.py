"""/market/sell: a new listing (for an FPO admin: on behalf of a member) with the mandi price hint.

The form never lies: its button is busy while a send runs, a double tap lists once (the form key), every wrong
field shows its own error at once with what was typed kept, and after a success the form is empty again."""

from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.enums import Role
from kisaan_app.services import glossary, parsing
from kisaan_app.services.accounts import directory
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Checks, DomainError
from kisaan_app.services.market import listings, views
from kisaan_app.services.payments.farm_gate import SELLER_ROLES
from kisaan_app.state.form_keys import new_form_key
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.market import ListingCard, listing_card
from kisaan_app.state.session import SessionState

SELL_FORM = {
    "form_key": 64,
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
    **{f"sell_{name}": name for name in ("auto_accept", "village", "district", "state", "description")},
    **{f"sell_{name}": name for name in ("available_from", "available_until")},
    "sell_farmer": "farmer_id",
}
HINT_FIELDS = ("crop", "unit", "district", "state", "price")
# The service's field names → the form's.
FIELD_NAMES = {"price_paise": "price", "auto_accept_price_paise": "auto_accept"}


class SellState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = SELLER_ROLES
    mine: list[ListingCard] = []
    members: list[list[str]] = []
    hint: str = ""
    hint_warning: bool = False
    field_errors: dict[str, str] = {}
    message: str = ""
    draft: dict[str, str] = {"unit": "quintal"}
    form_key: str = ""
    sending: bool = False
    # What the crop / district / state boxes offer, in the reader's language (typing anything else still works).
    crop_choices: list[str] = []
    district_choices: list[str] = []
    state_choices: list[str] = []

    def _ask(self):
        return self.lang

    @staticmethod
    def _fetch(principal, lang):
        with session_scope() as session:
            mine = [listing_card(item, lang=lang) for item in listings.mine(session, principal)]
            members = []
            if principal.role in (Role.ORG_ADMIN, Role.ADMIN):
                flt = directory.UserFilter(role="farmer", active=True)
                rows, _ = directory.list_users(session, principal, flt, limit=200)
                members = [[str(r.id), f"{r.full_name} ({r.district or '—'})"] for r in rows]
            place = views.farmer_place(session, principal) if principal.role == Role.FARMER else None
            return mine, members, place

    def _show(self, result) -> None:
        self.mine, self.members, place = result
        self._start_draft(place)

    def _start_draft(self, place) -> None:
        """An empty form: the farmer's own village, district and state filled in, in the reader's language."""
        draft = {"unit": "quintal"}
        if place is not None:
            draft.update(
                district=glossary.label("district", place.district or "", self.lang),
                state=glossary.label("state", place.state or "", self.lang),
                village=place.village or "",
            )
        self.draft = draft

    @guarded(error=None, fields="field_errors", clear=("message", "hint"))
    async def load(self, principal: Principal):
        self.hint_warning, self.sending, self.form_key = False, False, new_form_key()
        self.crop_choices = glossary.choices("crop", self.lang)
        self.district_choices = glossary.choices("district", self.lang)
        self.state_choices = glossary.choices("state", self.lang)
        await self._reload(principal)

    @guarded(error=None)
    async def update_draft(self, principal: Principal, name: str, value: str):
        """Typing in crop, unit, district or price refreshes the mandi price hint (any script: "प्याज़" too)."""
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
        ask = (d["crop"], d.get("district") or None, d.get("state") or None)
        hint = await off_loop(_price_hint, *ask, unit, reserve)
        if hint.modal_paise_per_unit is None:
            self.hint, self.hint_warning = self._tr("market.no_hint"), False
            return
        self.hint = self._tr(
            "market.hint",
            price=rupees(hint.modal_paise_per_unit),
            unit=self._tr(f"unit.{unit}"),
            markets=", ".join(hint.markets),
        )
        self.hint_warning = hint.far_below

    @guarded(
        error=None,
        fields="field_errors",
        field_names=FIELD_NAMES,
        clear=("message",),
        form=SELL_FORM,
        background=True,
    )
    async def create(self, principal: Principal, form: dict):
        """List the produce. A background event, so the button shows busy at once; a second tap while the first
        runs is dropped, and one that comes after finds the first listing by the form key."""
        async with self:
            if self.sending:
                return None
            self.sending = True
            meta = self._meta()
        try:
            data = _listing_input(form)  # every wrong field at once, before anything is written
            farmer = form.get("farmer_id", "")
            new_id = await off_loop(_create_listing, principal, meta, data, int(farmer) if farmer.isdigit() else None)
        finally:
            async with self:
                self.sending = False
        async with self:
            self.message = self._tr("market.listed")
            self.hint, self.hint_warning, self.form_key = "", False, new_form_key()
            await self._reload(principal)  # the empty form, and the new listing in "my listings"
        return rx.redirect(f"/market/listing?id={new_id}")


def _listing_input(form: dict) -> listings.ListingInput:
    """The form as the service's input, every field checked (parsing and the service's rules) in one pass."""
    checks = Checks()
    quantity = checks(parsing.quantity, form.get("quantity"), "quantity")
    price = checks(parsing.paise, form.get("price"), "price_paise", code="price_invalid")
    auto = checks(
        parsing.paise, form.get("auto_accept"), "auto_accept_price_paise", code="price_invalid", required=False
    )
    since = checks(parsing.day, form.get("available_from"), "available_from")
    until = checks(parsing.day, form.get("available_until"), "available_until")
    data = listings.ListingInput(
        crop=form.get("crop", ""),
        variety=form.get("variety") or None,
        grade=form.get("grade") or None,
        quantity=quantity,
        unit=form.get("unit") or "quintal",
        price_paise=price,
        auto_accept_price_paise=auto,
        district=form.get("district", ""),
        state=form.get("state", ""),
        village=form.get("village") or None,
        available_from=parsing.ist_start(since) if since else None,
        available_until=parsing.ist_end(until) if until else None,
        description=form.get("description") or None,
        form_key=form.get("form_key") or None,
    )
    listings.check_listing(data, checks)
    return data


def _price_hint(crop: str, district: str | None, state: str | None, unit: str, reserve: int | None):
    with session_scope() as session:
        return listings.price_hint(session, crop, district, state, unit, reserve)


def _create_listing(principal: Principal, meta: RequestMeta, data, farmer_id: int | None) -> int:
    with session_scope() as session:
        return listings.create_listing(session, principal, meta, data, farmer_id=farmer_id).id
