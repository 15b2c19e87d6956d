"""Login and sign-up forms. Credentials are checked by the account service; the browser then trades a
one-time ticket at /api/auth/session for the HttpOnly cookie (JavaScript can never read it)."""

from urllib.parse import quote

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import error_text
from kisaan_app.services import accounts
from kisaan_app.services.errors import DomainError
from kisaan_app.services.security import safe_next_path
from kisaan_app.state.session import SessionState, full_page_load


class AuthState(SessionState):
    form_error: str = ""
    field_errors: dict[str, str] = {}
    notice: str = ""
    submitting: bool = False
    organizations: list[dict[str, str]] = []
    register_role: str = "farmer"

    def _hand_over(self, session, token: str):
        ticket = accounts.login_ticket(token)
        next_path = safe_next_path(self.router.url.query_parameters.get("next", "/"))
        return full_page_load(f"/api/auth/session?ticket={ticket}&next={quote(next_path)}", new_tab_state=True)

    @rx.event
    def load_login(self):
        self.form_error, self.field_errors, self.notice, self.submitting = "", {}, "", False
        params = self.router.url.query_parameters
        if params.get("error"):
            self.form_error = error_text(self.lang, params["error"])
        elif params.get("signed_out"):
            self.notice = self._tr("login.signed_out")
        elif params.get("next"):
            self.notice = self._tr("login.session_expired")
        if self._current_principal() is not None:
            return full_page_load(safe_next_path(params.get("next", "/")))

    @rx.event
    def login(self, form: dict):
        self.form_error, self.notice = "", ""
        with session_scope() as session:
            try:
                token, _user = accounts.login(
                    session, str(form.get("identifier", "")), str(form.get("password", "")), "browser", self._meta()
                )
            except DomainError as err:
                self.form_error = self._error(err)
                return
        return self._hand_over(None, token)

    @rx.event
    def load_register(self):
        self.form_error, self.field_errors, self.submitting = "", {}, False
        with session_scope() as session:
            self.organizations = [{"id": str(o.id), "name": o.name} for o in accounts.list_organizations(session)]

    @rx.event
    def set_register_role(self, role: str | list[str]):
        choice = role[0] if isinstance(role, list) and role else role
        self.register_role = choice if choice in ("farmer", "buyer") else "farmer"

    @rx.event
    def register(self, form: dict):
        self.form_error, self.field_errors = "", {}
        org = str(form.get("organization_id") or "")
        reg = accounts.Registration(
            full_name=str(form.get("full_name", "")),
            password=str(form.get("password", "")),
            role=self.register_role,
            phone=str(form.get("phone", "")) or None,
            email=str(form.get("email", "")) or None,
            organization_id=int(org) if org.isdigit() and self.register_role == "farmer" else None,
            preferred_language=self.lang,
            district=str(form.get("district", "")).strip() or None,
            state=str(form.get("state", "")).strip() or None,
        )
        with session_scope() as session:
            try:
                user = accounts.register(session, reg, self._meta())
                token, _ = accounts.open_session(session, user, "browser", self._meta())
            except DomainError as err:
                if err.field:
                    self.field_errors = {err.field: self._error(err)}
                else:
                    self.form_error = self._error(err)
                return
        return self._hand_over(None, token)
