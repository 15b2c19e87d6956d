"""The admin user list: filters, paging, role changes and deactivation (org admins: own FPO only)."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import local_time
from kisaan_app.services import accounts, parsing
from kisaan_app.services.accounts import directory, membership, password_reset
from kisaan_app.services.authz import assignable_roles
from kisaan_app.services.context import Principal
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.options import Option
from kisaan_app.state.paging import PagedListMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState

FILTER_FORM = {"search": 100, "role": 20, "district": 80, "organization": 12}
# Inputs with an element id also arrive under that id (state/guard.py check_form).
FILTER_FORM |= {"user_search": "search", "filter_role": "role", "filter_district": "district"}
FILTER_FORM |= {"filter_organization": "organization"}


@dataclass(frozen=True)
class UserRow:
    id: str
    full_name: str
    contact: str
    role: str
    active: bool
    organization: str
    district: str
    last_login: str
    is_self: bool


@dataclass(frozen=True)
class JoinRequestRow:
    id: str
    full_name: str
    contact: str
    organization: str
    asked: str


class AdminUsersState(PagedListMixin, SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    rows: list[UserRow] = []
    search: str = ""
    role_filter: str = ""
    district_filter: str = ""
    organization_filter: str = ""
    district_options: list[str] = []
    organization_options: list[Option] = []
    assignable: list[str] = []
    message: str = ""
    join_requests: list[JoinRequestRow] = []
    # A role change waits here for the admin's "yes" (the dialog names the person and the new role).
    role_change_user: str = ""
    role_change_to: str = ""

    def _ask(self):
        org = self.organization_filter
        flt = directory.UserFilter(
            search=self.search or None,
            role=self.role_filter or None,
            district=self.district_filter or None,
            organization_id=int(org) if org.isascii() and org.isdigit() else None,
        )
        return flt, self.page_size, self.offset, self.lang

    @staticmethod
    def _fetch(principal, ask):
        flt, limit, offset, lang = ask
        with session_scope() as session:
            found, total = directory.list_users(session, principal, flt, limit=limit, offset=offset)
            pending = membership.list_requests(session, principal, "pending")
        rows = [
            UserRow(
                id=str(r.id),
                full_name=r.full_name,
                contact=r.phone or r.email or "",
                role=r.role,
                active=bool(r.is_active),
                organization=r.organization_name or "—",
                district=r.district or "—",
                last_login=local_time(datetime.fromisoformat(r.last_login_at), lang) if r.last_login_at else "",
                is_self=r.id == principal.id,
            )
            for r in found
        ]
        requests = [
            JoinRequestRow(
                id=str(r.id),
                full_name=r.full_name,
                contact=r.phone or "",
                organization=r.organization_name,
                asked=local_time(r.created_at, lang),
            )
            for r in pending
        ]
        return rows, total, requests

    def _show(self, result) -> None:
        self.rows, self.total, self.join_requests = result

    def _on_load(self) -> None:
        self.message = ""

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        self.page = 1
        self.assignable = [r.value for r in assignable_roles(principal)]
        self.district_options, self.organization_options = await off_loop(_options, principal)
        await self._reload(principal)

    @guarded(clear=("message",))
    async def decide_join(self, principal: Principal, request_id: str, approve: bool):
        try:
            name = await off_loop(_decide, principal, self._meta(), parsing.ident(request_id), bool(approve))
        finally:
            await self._reload(principal)
        key = "users.join_approved" if approve else "users.join_declined"
        self.message = self._tr(key, name=name)

    @guarded(clear=("message",), form=FILTER_FORM)
    async def apply_filters(self, principal: Principal, form: dict):
        self.search = form.get("search", "").strip()
        self.role_filter = form.get("role", "")
        self.district_filter = form.get("district", "")
        self.organization_filter = form.get("organization", "")
        self.page = 1
        await self._reload(principal)

    @guarded(clear=("message",))
    async def clear_filters(self, principal: Principal):
        self.search = self.role_filter = self.district_filter = self.organization_filter = ""
        self.page = 1
        await self._reload(principal)
        return [rx.set_value("user-search", "")]

    async def _act(self, principal: Principal, action, success_key: str, user_id: str, *args) -> None:
        name = await off_loop(_user_action, action, principal, self._meta(), parsing.ident(user_id), *args)
        self.message = self._tr(success_key, name=name)
        await self._reload(principal)

    @guarded(clear=("message",))
    async def send_reset(self, principal: Principal, user_id: str):
        await self._act(principal, password_reset.send_reset_code, "users.reset_sent", user_id)

    @rx.var
    def role_change_name(self) -> str:
        return next((r.full_name for r in self.rows if r.id == self.role_change_user), "")

    @rx.var
    def role_change_question(self) -> str:
        if not self.role_change_user:
            return ""
        role = self._tr(f"role.{self.role_change_to}")
        return self._tr("users.confirm_role", name=self.role_change_name, role=role)

    @rx.var
    def role_change_effect(self) -> str:
        return self._tr(f"users.role_effect.{self.role_change_to}") if self.role_change_to else ""

    def ask_role_change(self, user_id: str, role: str):
        """A pick in the role column only opens the confirmation; `change_role` (guarded) does the change."""
        known = {r.id for r in self.rows}
        self.role_change_user = str(user_id) if str(user_id) in known else ""
        self.role_change_to = str(role) if self.role_change_user and str(role) in self.assignable else ""
        if not self.role_change_to:
            self.role_change_user = ""

    def cancel_role_change(self):
        """Closes the confirmation; the select shows the role the person still has."""
        self.role_change_user = self.role_change_to = ""

    @guarded(clear=("message",))
    async def change_role(self, principal: Principal, user_id: str, role: str):
        self.role_change_user = self.role_change_to = ""
        await self._act(principal, accounts.change_role, "users.role_changed", user_id, role)

    @guarded(clear=("message",))
    async def deactivate(self, principal: Principal, user_id: str):
        await self._act(principal, accounts.set_active, "users.deactivated", user_id, False)

    @guarded(clear=("message",))
    async def reactivate(self, principal: Principal, user_id: str):
        await self._act(principal, accounts.set_active, "users.reactivated", user_id, True)


def _options(principal: Principal) -> tuple[list[str], list[Option]]:
    with session_scope() as session:
        districts = directory.districts(session, principal)
        organizations = [Option(str(o.id), o.name) for o in accounts.list_organizations(session)]
        return districts, organizations


def _decide(principal: Principal, meta, request_id: int, approve: bool) -> str:
    with session_scope() as session:
        return membership.decide(session, principal, request_id, approve, meta).full_name


def _user_action(action, principal: Principal, meta, user_id: int, *args) -> str:
    with session_scope() as session:
        return action(session, principal, user_id, *args, meta).full_name
