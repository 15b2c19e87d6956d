"""Login and sign-up forms. Credentials are checked by the account service; the browser then trades a
one-time ticket at /api/auth/session for the HttpOnly cookie (JavaScript can never read it).

These handlers are open to anyone (`guarded(public=True)`): they still refuse unknown form keys and oversized
values, run their database work off the event loop and show a DomainError in the reader's words."""

from urllib.parse import quote

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import error_text
from kisaan_app.services import accounts
from kisaan_app.services.accounts import password_reset, signup
from kisaan_app.services.accounts.security import safe_next_path
from kisaan_app.services.context import RequestMeta
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState, full_page_load

# Long enough for anything the services accept (they give the precise error), short enough to refuse junk.
PASSWORD = 256
LOGIN_FORM = {"identifier": 254, "password": PASSWORD}
REGISTER_FORM = {"full_name": 200, "phone": 40, "email": 254, "password": PASSWORD, "district": 80, "state": 80}
RESET_REQUEST_FORM = {"phone": 40}
RESET_CONFIRM_FORM = {"code": 12, "new_password": PASSWORD}


class AuthState(SessionState):
    form_error: str = ""
    field_errors: dict[str, str] = {}
    notice: str = ""
    info: str = ""  # a neutral word ("please log in to continue"): not a success, not an error
    submitting: bool = False
    register_role: str = "farmer"
    # Forgot password: "" asks for the number, "code" asks for the code and the new password.
    reset_step: str = ""
    reset_phone: str = ""

    def _hand_over(self, token: str):
        ticket = accounts.login_ticket(token)
        next_path = safe_next_path(self.router.url.query_parameters.get("next", "/"))
        return full_page_load(f"/api/auth/session?ticket={ticket}&next={quote(next_path)}", new_tab_state=True)

    @guarded(public=True, error="form_error", fields="field_errors", clear=("notice", "info"))
    async def load_login(self, principal: None):
        self.submitting = False
        params = self.router.url.query_parameters
        if params.get("error"):
            self.form_error = error_text(self.lang, str(params["error"])[:40])
        elif params.get("signed_out"):
            self.notice = self._tr("login.signed_out")
        elif params.get("reset"):
            self.notice = self._tr("forgot.done")
        elif params.get("next"):
            self.info = self._tr("login.session_expired")
        if await off_loop(_signed_in, self._token()):
            return full_page_load(safe_next_path(params.get("next", "/")))
        return None

    @guarded(public=True, error="form_error", clear=("notice", "info"), form=LOGIN_FORM)
    async def login(self, principal: None, form: dict):
        token = await off_loop(_login, form.get("identifier", ""), form.get("password", ""), self._meta())
        return self._hand_over(token)

    def load_register(self):
        """Clears the sign-up form: touches no data."""
        self.form_error, self.field_errors, self.submitting = "", {}, False

    def set_register_role(self, role: str | list[str]):
        """Picks farmer or buyer on the sign-up form: touches no data."""
        choice = role[0] if isinstance(role, list) and role else role
        self.register_role = choice if choice in ("farmer", "buyer") else "farmer"

    @guarded(public=True, error="form_error", fields="field_errors", form=REGISTER_FORM)
    async def register(self, principal: None, form: dict):
        reg = accounts.Registration(
            full_name=form.get("full_name", ""),
            password=form.get("password", ""),
            role=self.register_role,
            phone=form.get("phone") or None,
            email=form.get("email") or None,
            preferred_language=self.lang,
            district=form.get("district", "").strip() or None,
            state=form.get("state", "").strip() or None,
        )
        token = await off_loop(_sign_up, reg, self._meta())
        return self._hand_over(token)

    # ------------------------------------------------------------ forgot password

    def load_forgot(self):
        """Clears the forgot-password form: touches no data."""
        self.form_error, self.field_errors, self.notice = "", {}, ""
        self.reset_step, self.reset_phone = "", ""

    @guarded(public=True, error="form_error", clear=("notice",), form=RESET_REQUEST_FORM)
    async def request_reset(self, principal: None, form: dict):
        phone = form.get("phone", "").strip()
        await off_loop(_request_reset, phone, self._meta())
        self.reset_phone, self.reset_step = phone, "code"
        self.notice = self._tr("forgot.code_sent")

    @guarded(public=True, error="form_error", clear=("notice",), form=RESET_CONFIRM_FORM)
    async def confirm_reset(self, principal: None, form: dict):
        await off_loop(
            _confirm_reset, self.reset_phone, form.get("code", ""), form.get("new_password", ""), self._meta()
        )
        self.reset_step, self.reset_phone = "", ""
        return rx.redirect("/login?reset=1")

    def restart_reset(self):
        """Back to asking for the number: touches no data."""
        self.form_error, self.notice, self.reset_step = "", "", ""


def _signed_in(token: str | None) -> bool:
    with session_scope() as session:
        return accounts.principal_for_token(session, token) is not None


def _login(identifier: str, password: str, meta: RequestMeta) -> str:
    with session_scope() as session:
        token, _user = accounts.login(session, identifier, password, "browser", meta)
        return token


def _sign_up(reg: accounts.Registration, meta: RequestMeta) -> str:
    with session_scope() as session:
        user = signup.sign_up(session, reg, meta)
        token, _ = accounts.open_session(session, user, "browser", meta)
        return token


def _request_reset(phone: str, meta: RequestMeta) -> None:
    with session_scope() as session:
        password_reset.request_reset(session, phone, meta)


def _confirm_reset(phone: str, code: str, new_password: str, meta: RequestMeta) -> None:
    with session_scope() as session:
        password_reset.confirm_reset(session, phone, code, new_password, meta)
