"""Login and sign-up forms. Credentials are checked by the account service; the browser then trades a
one-time ticket at /api/auth/session for the HttpOnly cookie (JavaScript can never read it)."""

from urllib.parse import quote

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import error_text
from kisaan_app.services import accounts
from kisaan_app.services.accounts import password_reset, signup
from kisaan_app.services.accounts.security import safe_next_path
from kisaan_app.services.errors import DomainError
from kisaan_app.state.session import SessionState, full_page_load


class AuthState(SessionState):
    form_error: str = ""
    field_errors: dict[str, str] = {}
    notice: str = ""
    submitting: bool = False
    register_role: str = "farmer"
    # Forgot password: "" asks for the number, "code" asks for the code and the new password.
    reset_step: str = ""
    reset_phone: str = ""

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
        elif params.get("reset"):
            self.notice = self._tr("forgot.done")
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

    @rx.event
    def set_register_role(self, role: str | list[str]):
        choice = role[0] if isinstance(role, list) and role else role
        self.register_role = choice if choice in ("farmer", "buyer") else "farmer"

    @rx.event
    def register(self, form: dict):
        self.form_error, self.field_errors = "", {}
        reg = accounts.Registration(
            full_name=str(form.get("full_name", "")),
            password=str(form.get("password", "")),
            role=self.register_role,
            phone=str(form.get("phone", "")) or None,
            email=str(form.get("email", "")) or None,
            preferred_language=self.lang,
            district=str(form.get("district", "")).strip() or None,
            state=str(form.get("state", "")).strip() or None,
        )
        with session_scope() as session:
            try:
                user = signup.sign_up(session, reg, self._meta())
                token, _ = accounts.open_session(session, user, "browser", self._meta())
            except DomainError as err:
                if err.field:
                    self.field_errors = {err.field: self._error(err)}
                else:
                    self.form_error = self._error(err)
                return
        return self._hand_over(None, token)

    # ------------------------------------------------------------ forgot password

    @rx.event
    def load_forgot(self):
        self.form_error, self.field_errors, self.notice = "", {}, ""
        self.reset_step, self.reset_phone = "", ""

    @rx.event
    def request_reset(self, form: dict):
        self.form_error, self.notice = "", ""
        phone = str(form.get("phone", "")).strip()
        try:
            with session_scope() as session:
                password_reset.request_reset(session, phone, self._meta())
        except DomainError as err:
            self.form_error = self._error(err)
            return
        self.reset_phone, self.reset_step = phone, "code"
        self.notice = self._tr("forgot.code_sent")

    @rx.event
    def confirm_reset(self, form: dict):
        self.form_error, self.notice = "", ""
        try:
            with session_scope() as session:
                password_reset.confirm_reset(
                    session,
                    self.reset_phone,
                    str(form.get("code", "")),
                    str(form.get("new_password", "")),
                    self._meta(),
                )
        except DomainError as err:
            self.form_error = self._error(err)
            return
        self.reset_step, self.reset_phone = "", ""
        return rx.redirect("/login?reset=1")

    @rx.event
    def restart_reset(self):
        self.form_error, self.notice, self.reset_step = "", "", ""
