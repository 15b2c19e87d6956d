"""The signed-in person, their language and the one guard every page and event handler goes through.

Identity lives only in the HttpOnly cookie, which Reflex receives with the WebSocket handshake headers
(never sent to the browser as state). Every guarded handler re-validates it against the database, so a
revoked, expired or forged token gets the login page and never data.
"""

import json
from http.cookies import CookieError, SimpleCookie

import reflex as rx

from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.db import session_scope
from kisaan_app.i18n import available_languages, catalogue, error_text, resolve_language
from kisaan_app.models.enums import Role
from kisaan_app.services import accounts
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import AuthenticationFailed, DomainError, PermissionDenied

LANG_COOKIE = "kisaan_lang"
ADMIN_ROLES = (Role.ADMIN, Role.ORG_ADMIN)


def full_page_load(url: str, *, new_tab_state: bool = False) -> rx.event.EventSpec:
    """Leave the single-page app so the new WebSocket carries the current cookie.

    With new_tab_state the tab's Reflex client token is dropped too, so nothing the previous person's
    states held can be seen by the next one.
    """
    clear = "window.sessionStorage.clear();" if new_tab_state else ""
    return rx.call_script(f"{clear}window.location.replace({json.dumps(url)})")


LOGOUT_SCRIPT = (
    "window.sessionStorage.clear();"
    "fetch('/api/auth/logout',{method:'POST',credentials:'same-origin'})"
    ".finally(()=>window.location.replace('/login?signed_out=1'))"
)


class SessionState(rx.State):
    lang: str = rx.Cookie("en", name=LANG_COOKIE, max_age=365 * 24 * 3600, same_site="lax")
    user_id: int = 0
    user_name: str = ""
    user_role: str = ""
    organization_id: int = 0
    # "" while a page checks access, "ok" when allowed, "forbidden" when signed in without the role.
    access: str = ""
    # Live in the header on every page (kept current by kisaan_app/state/live.py).
    unread_count: int = 0
    banner: str = ""
    banner_level: str = "info"

    @rx.var
    def t(self) -> dict[str, str]:
        return catalogue(self.lang)

    @rx.var
    def languages(self) -> list[list[str]]:
        return [[code, name] for code, name in available_languages().items()]

    @rx.var
    def is_admin(self) -> bool:
        return self.user_role == Role.ADMIN

    @rx.var
    def can_manage_users(self) -> bool:
        return self.user_role in (Role.ADMIN, Role.ORG_ADMIN)

    @rx.var
    def role_label(self) -> str:
        return catalogue(self.lang).get(f"role.{self.user_role}", "") if self.user_role else ""

    # ------------------------------------------------------------ helpers for handlers

    def _token(self) -> str | None:
        try:
            cookie = SimpleCookie(self.router.headers.cookie or "")
        except CookieError:
            return None
        morsel = cookie.get(SESSION_COOKIE)
        return morsel.value if morsel else None

    def _meta(self) -> RequestMeta:
        return RequestMeta(ip=self.router.session.client_ip or None, user_agent=self.router.headers.user_agent)

    def _current_principal(self) -> Principal | None:
        with session_scope() as session:
            return accounts.principal_for_token(session, self._token())

    def _tr(self, key: str, **params) -> str:
        from kisaan_app.i18n import t

        return t(self.lang, key, **params)

    def _error(self, err: DomainError) -> str:
        return error_text(self.lang, err.code, **err.params)

    def _remember(self, principal: Principal | None) -> None:
        if principal is None:
            self.user_id, self.user_name, self.user_role, self.organization_id = 0, "", "", 0
            return
        self.user_id, self.user_name = principal.id, principal.full_name
        self.user_role, self.organization_id = principal.role, principal.organization_id or 0

    def authorize(self, *roles: str) -> tuple[Principal | None, list | None]:
        """(principal, None) when allowed; (None, events) to return from the handler when not."""
        principal = self._current_principal()
        if principal is None or (self.user_id and principal.id != self.user_id):
            # Nobody, or a different person, now holds this tab: forget who it was.
            self._remember(None)
        try:
            require_role(principal, *roles)
        except AuthenticationFailed:
            self.access = ""
            return None, [full_page_load(f"/login?next={self.router.url.path or '/'}")]
        except PermissionDenied:
            self._remember(principal)
            self.access = "forbidden"
            return None, []
        self._remember(principal)
        self.access = "ok"
        self._track_connection(principal)
        return principal, None

    def _track_connection(self, principal: Principal) -> None:
        """This tab now belongs to `principal`: route their live events here and count it on the Live page."""
        from kisaan_app.realtime.registry import ClientInfo, registry
        from kisaan_app.services import connections, inbox

        token = self.router.session.client_token
        if not token:
            return
        info = ClientInfo(token, principal.id, principal.organization_id, principal.role)
        # Only a new tab (or a new person in it) is a write; moving between pages is a read, and the hub's
        # heartbeat keeps a known connection's row fresh (a write per page load queued every load on SQLite).
        new = registry.get(token) != info
        registry.register(info)
        with session_scope() as session:
            if new:
                connections.connect(session, token, principal, self._meta())
            self.unread_count = inbox.unread_count(session, principal.id)

    # ------------------------------------------------------------ events

    @rx.event
    def set_language(self, code: str):
        self.lang = resolve_language(code)
        principal = self._current_principal()
        if principal is not None:
            with session_scope() as session:
                accounts.set_language(session, principal, self.lang)

    @rx.event
    def dismiss_banner(self):
        self.banner = ""

    @rx.event
    def logout(self):
        """The logout endpoint revokes the session and clears the HttpOnly cookie; this tab's state goes too."""
        from kisaan_app.realtime.registry import registry

        registry.unregister(self.router.session.client_token)
        self._remember(None)
        self.access = ""
        return rx.call_script(LOGOUT_SCRIPT)

    @rx.event
    def check_signed_in(self):
        """on_load for pages any signed-in person may open; also adopts their saved language."""
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.lang = resolve_language(principal.language)
