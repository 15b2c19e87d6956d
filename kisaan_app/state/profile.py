"""My profile: edit details, farm or business; change password."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.accounts import membership, profiles
from kisaan_app.services.errors import DomainError
from kisaan_app.state.session import SessionState


class ProfileState(SessionState):
    profile: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    saved_message: str = ""
    password_error: str = ""
    password_message: str = ""
    organizations: list[dict[str, str]] = []
    join_pending: str = ""  # the FPO a request of mine waits on
    join_error: str = ""
    join_message: str = ""

    def _fill(self, view: profiles.ProfileView) -> None:
        data = view.as_dict()
        data["crops"] = ", ".join(view.crops)
        data["land_area_acres"] = f"{view.land_area_acres:g}" if view.land_area_acres is not None else ""
        self.profile = {k: "" if v is None else str(v) for k, v in data.items()}

    @rx.event
    def load(self):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.field_errors, self.saved_message, self.password_error, self.password_message = {}, "", "", ""
        self.join_error, self.join_message = "", ""
        with session_scope() as session:
            self._fill(profiles.get_profile(session, principal))
            self._load_membership(session, principal)

    def _load_membership(self, session, principal) -> None:
        self.organizations = [{"id": str(o.id), "name": o.name} for o in accounts.list_organizations(session)]
        pending = [r for r in membership.my_requests(session, principal) if r.status == "pending"]
        self.join_pending = pending[0].organization_name if pending else ""

    @rx.event
    def ask_to_join(self, form: dict):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.join_error, self.join_message = "", ""
        org = str(form.get("organization_id", ""))
        try:
            with session_scope() as session:
                view = membership.request_to_join(session, principal, int(org) if org.isdigit() else 0, self._meta())
        except DomainError as err:
            self.join_error = self._error(err)
            return
        self.join_pending = view.organization_name
        self.join_message = self._tr("profile.join_sent", org=view.organization_name)

    @rx.event
    def save(self, form: dict):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.field_errors, self.saved_message = {}, ""
        allowed = {
            "full_name",
            "village",
            "district",
            "state",
            "crops",
            "land_area_acres",
            "business_name",
            "gstin",
            "preferred_language",
        }
        changes = {k: v for k, v in form.items() if k in allowed}
        try:
            with session_scope() as session:
                view = profiles.update_profile(session, principal, changes, self._meta())
        except DomainError as err:
            self.field_errors = {err.field or "form": self._error(err)}
            return
        self._fill(view)
        self.user_name = view.full_name
        self.lang = view.preferred_language
        self.saved_message = self._tr("profile.saved")

    @rx.event
    def change_password(self, form: dict):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.password_error, self.password_message = "", ""
        try:
            with session_scope() as session:
                accounts.change_password(
                    session,
                    principal,
                    str(form.get("current_password", "")),
                    str(form.get("new_password", "")),
                    self._meta(),
                )
        except DomainError as err:
            self.password_error = self._error(err)
            return
        self.password_message = self._tr("password.changed")
        return rx.set_value("current_password", ""), rx.set_value("new_password", "")
