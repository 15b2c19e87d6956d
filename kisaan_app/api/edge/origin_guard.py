"""Cross-site write protection for cookie sessions.

A browser attaches the session cookie to a form or fetch another site starts, so an unsafe request
(POST/PUT/PATCH/DELETE) that carries our cookie must come from our own pages: its Origin (or, without one,
its Referer) must be the public URL or the host the request was sent to. With neither header it is refused:
every browser we serve sends Origin on such requests, and a script without a browser should use a bearer
token. Bearer requests carry no ambient credential and pass, as do the provider callbacks, which are
authenticated by their signatures and never by the session (their senders may share our cookie's site in
the local sandbox)."""

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kisaan_app.api.errors import problem, request_language
from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.i18n import error_text
from kisaan_app.settings import get_settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGNED_CALLBACKS = frozenset({"/api/payments/webhook", "/api/payments/callback", "/api/notifications/sms/status"})


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower-cased, default ports dropped; None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname}{suffix}"


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


def own_origins(scope: Scope, headers: Headers) -> set[str]:
    allowed = {o for o in (origin_of(get_settings().public_url),) if o}
    if host := headers.get("host"):
        if own := origin_of(f"{scope.get('scheme', 'http')}://{host}"):
            allowed.add(own)
    return allowed


def is_cross_site(scope: Scope) -> bool:
    """True for a cookie-authenticated unsafe request that did not come from our own origin."""
    if scope["method"] not in UNSAFE_METHODS or scope["path"] in SIGNED_CALLBACKS:
        return False
    headers = Headers(scope=scope)
    if _uses_bearer(headers) or not _has_session_cookie(headers):
        return False
    source = headers.get("origin") or headers.get("referer")
    return not source or origin_of(source) not in own_origins(scope, headers)


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
