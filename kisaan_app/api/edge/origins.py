"""Which origins are our own: one rule for cookie-authenticated writes (origin_guard) and the /_event WebSocket.

Outside prod the app must work from whatever address it is reached by (localhost, 127.0.0.1, the LAN address a
phone opens), so the origin of the host a request came to (its Host header) counts as ours, beside the public
URL and the extra origins. In prod only KISAAN_PUBLIC_URL and KISAAN_EXTRA_ORIGINS count: an operator names
the addresses people use, and a name that merely resolves to the server (DNS rebinding, a stray vhost) does
not become trusted because the browser put it in Host."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import Scope

from kisaan_app.settings import Settings, get_settings

# A WebSocket scope names its scheme ws/wss; the page that opened it has the http/https twin as its origin.
PAGE_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


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
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # IPv6 keeps its brackets
    return f"{parts.scheme}://{host}{suffix}"


def configured_origins(settings: Settings) -> frozenset[str]:
    """The public URL's origin and every extra origin the operator listed."""
    return frozenset(o for o in map(origin_of, (settings.public_url, *settings.extra_origin_list)) if o)


def own_origins(settings: Settings, scheme: str, host: str | None) -> frozenset[str]:
    """The origins a request sent to `scheme://host` may come from."""
    allowed = configured_origins(settings)
    if settings.is_prod or not host:
        return allowed
    reached = origin_of(f"{PAGE_SCHEME.get(scheme, 'http')}://{host}")
    return allowed | {reached} if reached else allowed


def is_own_origin(source: str | None, scope: Scope) -> bool:
    """True when an Origin (or Referer) header names one of our own origins for this request."""
    if not source or not (origin := origin_of(source)):
        return False
    host = Headers(scope=scope).get("host")
    return origin in own_origins(get_settings(), scope.get("scheme", "http"), host)


def socket_origin_allowed(origin: str | None, environ: Mapping) -> bool:
    """python-engineio's `cors_allowed_origins` callable for the /_event socket (see kisaan_app.kisaan_app).

    engineio only asks when the handshake carries an Origin; browsers always send one."""
    scope = environ.get("asgi.scope")
    if scope is None:  # not the ASGI driver: judge by the configured origins alone
        return origin_of(origin or "") in configured_origins(get_settings())
    return is_own_origin(origin, scope)
