"""My profile: edit details, farm or business; change password."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.services import accounts, membership, profiles
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.options import Option
from kisaan_app.state.session import SessionState

# What the profile form can send, and how long each value may be (the service checks the rest).
PROFILE_FORM = {
    "full_name": 200,
    "village": 120,
    "district": 80,
    "state": 80,
    "crops": 1000,
    "land_area_acres": 20,
    "business_name": 200,
    "gstin": 20,
    "preferred_language": 10,
}
PASSWORD_FORM = {"current_password": 256, "new_password": 256}
JOIN_FORM = {"organization_id": 12, "join_organization": "organization_id"}  # its element id too (guard.check_form)


class ProfileState(SessionState):
    profile: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    saved_message: str = ""
    password_error: str = ""
    password_message: str = ""
    organizations: list[Option] = []
    join_pending: str = ""  # the FPO a request of mine waits on
    join_error: str = ""
    join_message: str = ""

    def _fill(self, view: profiles.ProfileView) -> None:
        data = view.as_dict()
        data["crops"] = ", ".join(view.crops)
        data["land_area_acres"] = f"{view.land_area_acres:g}" if view.land_area_acres is not None else ""
        self.profile = {k: "" if v is None else str(v) for k, v in data.items()}

    @guarded(
        error="join_error",
        fields="field_errors",
        clear=("saved_message", "password_error", "password_message", "join_message"),
    )
    async def load(self, principal: Principal):
        view, organizations, pending = await off_loop(_profile_and_membership, principal)
        self._fill(view)
        self.organizations, self.join_pending = organizations, pending

    @guarded(error="join_error", clear=("join_message",), form=JOIN_FORM)
    async def ask_to_join(self, principal: Principal, form: dict):
        org = form.get("organization_id", "")
        organization_id = int(org) if org.isascii() and org.isdigit() else 0
        self.join_pending = await off_loop(_ask_to_join, principal, self._meta(), organization_id)
        self.join_message = self._tr("profile.join_sent", org=self.join_pending)

    @guarded(error=None, fields="field_errors", clear=("saved_message",), form=PROFILE_FORM)
    async def save(self, principal: Principal, form: dict):
        view = await off_loop(_update_profile, principal, self._meta(), form)
        self._fill(view)
        self.user_name = view.full_name
        self.lang = view.preferred_language
        self.saved_message = self._tr("profile.saved")

    @guarded(error="password_error", clear=("password_message",), form=PASSWORD_FORM)
    async def change_password(self, principal: Principal, form: dict):
        current, new = form.get("current_password", ""), form.get("new_password", "")
        await off_loop(_change_password, principal, self._meta(), current, new)
        self.password_message = self._tr("password.changed")
        return rx.set_value("current_password", ""), rx.set_value("new_password", "")


def _profile_and_membership(principal: Principal) -> tuple[profiles.ProfileView, list[Option], str]:
    with session_scope() as session:
        view = profiles.get_profile(session, principal)
        organizations = [Option(str(o.id), o.name) for o in accounts.list_organizations(session)]
        pending = [r for r in membership.my_requests(session, principal) if r.status == "pending"]
        return view, organizations, pending[0].organization_name if pending else ""


def _ask_to_join(principal: Principal, meta: RequestMeta, organization_id: int) -> str:
    with session_scope() as session:
        return membership.request_to_join(session, principal, organization_id, meta).organization_name


def _update_profile(principal: Principal, meta: RequestMeta, changes: dict[str, str]) -> profiles.ProfileView:
    with session_scope() as session:
        return profiles.update_profile(session, principal, changes, meta)


def _change_password(principal: Principal, meta: RequestMeta, current: str, new: str) -> None:
    with session_scope() as session:
        accounts.change_password(session, principal, current, new, meta)
