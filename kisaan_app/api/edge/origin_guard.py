"""Cross-site write protection for cookie sessions.

A browser attaches the session cookie to a form or fetch another site starts, so an unsafe request
(POST/PUT/PATCH/DELETE) that carries our cookie must come from our own pages: its Origin (or, without one,
its Referer) must be one of our own origins (api/edge/origins.py: the public URL and the extra origins, plus,
outside prod, the host the request was sent to). With neither header it is refused:
every browser we serve sends Origin on such requests, and a script without a browser should use a bearer
token. Bearer requests carry no ambient credential and pass, as do the provider callbacks, which are
authenticated by their signatures and never by the session (their senders may share our cookie's site in
the local sandbox)."""

from http.cookies import CookieError, SimpleCookie

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kisaan_app.api.edge.origins import is_own_origin, origin_of
from kisaan_app.api.errors import problem, request_language
from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.i18n import error_text

__all__ = ["OriginGuard", "is_cross_site", "origin_of"]  # origin_of lives in origins.py; older imports name it here

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGNED_CALLBACKS = frozenset(
    {
        "/api/payments/webhook",
        "/api/payments/callback",
        "/api/notifications/sms/status",
        "/api/notifications/sms/inbound",
    }
)


def _has_session_cookie(headers: Headers) -> bool:
    raw = headers.get("cookie")
    if not raw or SESSION_COOKIE not in raw:
        return False
    try:
        return bool(SimpleCookie(raw).get(SESSION_COOKIE))
    except CookieError:
        return True  # unparseable but naming our cookie: treat as cookie-authenticated


def _uses_bearer(headers: Headers) -> bool:
    return headers.get("authorization", "").lower().startswith("bearer ")


def is_cross_site(scope: Scope) -> bool:
    """True for a cookie-authenticated unsafe request that did not come from our own origin."""
    if scope["method"] not in UNSAFE_METHODS or scope["path"] in SIGNED_CALLBACKS:
        return False
    headers = Headers(scope=scope)
    if _uses_bearer(headers) or not _has_session_cookie(headers):
        return False
    source = headers.get("origin") or headers.get("referer")
    return not is_own_origin(source, scope)


class OriginGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_cross_site(scope):
            request = Request(scope)
            message = error_text(request_language(request), "cross_site_refused")
            await problem(403, "cross_site_refused", message)(scope, receive, send)
            return
        await self.app(scope, receive, send)
