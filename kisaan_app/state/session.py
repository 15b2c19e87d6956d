"""The signed-in person, their language and the one guard every page and event handler goes through.

Identity lives only in the HttpOnly cookie, which Reflex receives with the WebSocket handshake headers
(never sent to the browser as state). Every guarded handler re-validates it against the database, so a
revoked, expired or forged token gets the login page and never data.
"""

import json
from http.cookies import CookieError, SimpleCookie
from typing import Any, ClassVar
from urllib.parse import quote

import reflex as rx

from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.db import session_scope
from kisaan_app.i18n import available_languages, catalogue, error_text, resolve_language
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import accounts
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError, PermissionDenied
from kisaan_app.state.guard import guarded, off_loop

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
    # Who may call this page's @guarded() handlers when a handler names no roles itself (state/guard.py).
    guard_roles: ClassVar[tuple[str, ...]] = ()
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

    # The header's live events (state/live.py): the banner, the unread badge, a sign-in that ended elsewhere.
    live_topics: ClassVar[tuple[str, ...]] = ("system", "notification", "session")

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
        from kisaan_app.i18n import t, t_count

        count = params.get("count")
        if isinstance(count, int) and not isinstance(count, bool):  # "1 farmer", "2 farmers": CLDR plural rules
            return t_count(self.lang, key, params.pop("count"), **params)
        return t(self.lang, key, **params)

    def _error(self, err: DomainError) -> str:
        return error_text(self.lang, err.code, **err.params)

    def _remember(self, principal: Principal | None) -> None:
        if principal is None:
            self.user_id, self.user_name, self.user_role, self.organization_id = 0, "", "", 0
            return
        self.user_id, self.user_name = principal.id, principal.full_name
        self.user_role, self.organization_id = principal.role, principal.organization_id or 0

    # A page that loads data says what to ask for (`_ask`, on the event loop: plain values), fetches it in a
    # worker thread (`_fetch`, a staticmethod: no `self` there) and shows the result (`_show`, on the loop).
    def _ask(self) -> Any:
        return None

    @staticmethod
    def _fetch(principal: Principal, ask: Any) -> Any:
        raise NotImplementedError

    def _show(self, result: Any) -> None:
        raise NotImplementedError

    async def _reload(self, principal: Principal) -> None:
        self._show(await off_loop(self._fetch, principal, self._ask()))

    def _refresh(self, principal: Principal) -> None:
        """The same, in the caller's thread (the live hub already runs this off the loop)."""
        self._show(self._fetch(principal, self._ask()))

    def _reload_live(self) -> None:
        """A live event touched what this tab shows: re-read it as the tab's current principal (in a thread).

        A rule that now refuses (the row left the reader's view) keeps the last screen; the next load says why.
        """
        principal = self._current_principal()
        if principal is not None:
            try:
                self._refresh(principal)
            except DomainError:
                pass

    async def _authorize(self, *roles: str) -> tuple[Principal | None, list | None]:
        """(principal, None) when allowed; (None, events) to return from the handler when not.

        The session lookup and the connection bookkeeping run off the event loop (see state/guard.py).
        """
        return self._admit(*await self._check_access(*roles))

    async def _check_access(self, *roles: str) -> tuple[Principal | None, bool, int]:
        """The database half of `_authorize`: reads the tab's cookie, writes no var (a background handler
        runs it before locking its state, so a crowd of tabs waiting for the database holds no state lock)."""
        token, client_token, meta = self._token(), self.router.session.client_token, self._meta()
        return await off_loop(_check_access, token, client_token, meta, roles)

    def _admit(self, principal: Principal | None, allowed: bool, unread: int) -> tuple[Principal | None, list | None]:
        """The state half of `_authorize` (under the state's lock): who holds the tab, and its live routing."""
        if principal is None or (self.user_id and principal.id != self.user_id):
            # Nobody, or a different person, now holds this tab: forget who it was.
            self._remember(None)
        if principal is None:
            self.access = ""
            return None, [full_page_load(f"/login?next={self.router.url.path or '/'}")]
        self._remember(principal)
        if not allowed:
            self.access = "forbidden"
            return None, []
        self.access, self.unread_count = "ok", unread
        client_token = self.router.session.client_token
        if client_token:
            from kisaan_app.realtime.registry import ClientInfo, registry

            # This tab now belongs to `principal`: route their live events here.
            registry.register(ClientInfo(client_token, principal.id, principal.organization_id, principal.role))
        return principal, None

    # ------------------------------------------------------------ live events

    async def _apply_live(self, events: list[LiveEvent]) -> list | None:
        for event in events:
            if event.topic == "system":
                self.banner, self.banner_level = event.data.message[:500], event.data.level
        if any(e.topic == "notification" for e in events):
            self.unread_count = await off_loop(_unread_count, self.user_id)
        if any(e.topic == "session" for e in events):
            return await off_loop(self._recheck_sign_in)
        return None

    def _recheck_sign_in(self) -> list | None:
        """Someone's sign-in changed: if this tab's own credential no longer holds (logged out, password changed
        or reset, deactivated) or now means another role or organisation, the tab stops getting live data at
        once, forgets who it was and goes to the login page (which sends a still-valid session back on)."""
        from kisaan_app.realtime.registry import registry

        principal = self._current_principal()
        now = (principal.id, principal.role, principal.organization_id or 0) if principal else None
        if now == (self.user_id, self.user_role, self.organization_id):
            return None
        registry.unregister(self.router.session.client_token)
        self._remember(None)
        self.access = ""
        return [full_page_load(f"/login?next={quote(self.router.url.path or '/')}", new_tab_state=True)]

    # ------------------------------------------------------------ events

    @rx.event
    async def set_language(self, code: str):
        """Anyone may pick a language (the login page too); it is saved only for the person the cookie proves."""
        self.lang = resolve_language(str(code)[:10])
        await off_loop(_save_language, self._token(), self.lang)

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

    @guarded(error=None)
    def check_signed_in(self, principal: Principal):
        """on_load for pages any signed-in person may open; also adopts their saved language."""
        self.lang = resolve_language(principal.language)


def _check_access(
    token: str | None, client_token: str | None, meta: RequestMeta, roles: tuple[str, ...]
) -> tuple[Principal | None, bool, int]:
    """(who holds the cookie, whether they hold one of `roles`, their unread count) — in a worker thread."""
    from kisaan_app.realtime.registry import ClientInfo, registry
    from kisaan_app.services import connections, inbox

    with session_scope() as session:
        principal = accounts.principal_for_token(session, token)
        if principal is None:
            return None, False, 0
        try:
            require_role(principal, *roles)
        except PermissionDenied:
            return principal, False, 0
        # Only a new tab (or a new person in it) is a write; moving between pages is a read, and the hub's
        # heartbeat keeps a known connection's row fresh (a write per page load queued every load on SQLite).
        info = ClientInfo(client_token or "", principal.id, principal.organization_id, principal.role)
        if client_token and registry.get(client_token) != info:
            connections.connect(session, client_token, principal, meta)
        return principal, True, inbox.unread_count(session, principal.id)


def _save_language(token: str | None, lang: str) -> None:
    with session_scope() as session:
        principal = accounts.principal_for_token(session, token)
        if principal is not None:
            accounts.set_language(session, principal, lang)


def _unread_count(user_id: int) -> int:
    from kisaan_app.services import inbox

    with session_scope() as session:
        return inbox.unread_count(session, user_id)
