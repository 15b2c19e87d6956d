"""The admin user list: filters, paging, role changes and deactivation (org admins: own FPO only)."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.accounts import directory, membership, password_reset
from kisaan_app.services.authz import assignable_roles
from kisaan_app.services.errors import DomainError
from kisaan_app.state.paging import PagedListMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState


class AdminUsersState(PagedListMixin, SessionState):
    rows: list[dict[str, str]] = []
    search: str = ""
    role_filter: str = ""
    district_filter: str = ""
    organization_filter: str = ""
    district_options: list[str] = []
    organization_options: list[dict[str, str]] = []
    assignable: list[str] = []
    error: str = ""
    message: str = ""
    join_requests: list[dict[str, str]] = []

    def _refresh(self, principal) -> None:
        flt = directory.UserFilter(
            search=self.search or None,
            role=self.role_filter or None,
            district=self.district_filter or None,
            organization_id=int(self.organization_filter) if self.organization_filter.isdigit() else None,
        )
        with session_scope() as session:
            rows, self.total = directory.list_users(session, principal, flt, limit=self.page_size, offset=self.offset)
        self.rows = [
            {
                "id": str(r.id),
                "full_name": r.full_name,
                "contact": r.phone or r.email or "",
                "role": r.role,
                "active": "1" if r.is_active else "",
                "organization": r.organization_name or "—",
                "district": r.district or "—",
                "last_login": (r.last_login_at or "")[:16].replace("T", " "),
                "is_self": "1" if r.id == principal.id else "",
            }
            for r in rows
        ]

    def _guard(self):
        return self.authorize(*ADMIN_ROLES)

    @rx.event
    def load(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.error, self.message, self.page = "", "", 1
        self.assignable = [r.value for r in assignable_roles(principal)]
        with session_scope() as session:
            self.district_options = directory.districts(session, principal)
            self.organization_options = [
                {"id": str(o.id), "name": o.name} for o in accounts.list_organizations(session)
            ]
        self._refresh(principal)
        self._load_join_requests(principal)

    def _load_join_requests(self, principal) -> None:
        with session_scope() as session:
            pending = membership.list_requests(session, principal, "pending")
        self.join_requests = [
            {
                "id": str(r.id),
                "full_name": r.full_name,
                "contact": r.phone or "",
                "organization": r.organization_name,
                "asked": r.created_at.strftime("%Y-%m-%d %H:%M"),
            }
            for r in pending
        ]

    @rx.event
    def decide_join(self, request_id: str, approve: bool):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.error, self.message = "", ""
        try:
            with session_scope() as session:
                view = membership.decide(session, principal, int(request_id), approve, self._meta())
        except (DomainError, ValueError) as err:
            self.error = self._error(err) if isinstance(err, DomainError) else self._tr("error.invalid")
        else:
            key = "users.join_approved" if approve else "users.join_declined"
            self.message = self._tr(key, name=view.full_name)
        self._load_join_requests(principal)
        self._refresh(principal)

    @rx.event
    def send_reset(self, user_id: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self._act(principal, password_reset.send_reset_code, "users.reset_sent", user_id)

    @rx.event
    def apply_filters(self, form: dict):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.search = str(form.get("search", "")).strip()[:100]
        self.role_filter = str(form.get("role", ""))
        self.district_filter = str(form.get("district", ""))
        self.organization_filter = str(form.get("organization", ""))
        self.page = 1
        self._refresh(principal)

    @rx.event
    def clear_filters(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.search = self.role_filter = self.district_filter = self.organization_filter = ""
        self.page = 1
        self._refresh(principal)
        return [rx.set_value("user-search", "")]

    def _act(self, principal, action, success_key: str, user_id: str, *args) -> None:
        self.error, self.message = "", ""
        try:
            with session_scope() as session:
                user = action(session, principal, int(user_id), *args, self._meta())
                name = user.full_name
        except (DomainError, ValueError) as err:
            self.error = self._error(err) if isinstance(err, DomainError) else self._tr("error.invalid")
            return
        self.message = self._tr(success_key, name=name)
        self._refresh(principal)

    @rx.event
    def change_role(self, user_id: str, role: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self._act(principal, accounts.change_role, "users.role_changed", user_id, role)

    @rx.event
    def deactivate(self, user_id: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self._act(principal, accounts.set_active, "users.deactivated", user_id, False)

    @rx.event
    def reactivate(self, user_id: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self._act(principal, accounts.set_active, "users.reactivated", user_id, True)
