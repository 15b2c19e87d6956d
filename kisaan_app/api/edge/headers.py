"""Security headers on every HTTP response this process sends: the API's and, in production mode (where
Reflex serves the compiled pages from this same app), the pages'. The /_event WebSocket is left alone.

The pages' policy is what the Reflex frontend needs, no more: React's bundle and Vite chunks from our
origin, the inline bootstrap scripts and styles Reflex and Radix emit ('unsafe-inline'), rx.call_script's
eval ('unsafe-eval', used by checkout and logout), the state socket (ws/wss to our host), Razorpay's
checkout.js and its frames when real keys are set, blob:/data: images (upload previews, the QR code).
The sandbox checkout is a full-page navigation to another origin, which a CSP does not restrict.
API responses are data, never documents: they get a policy that allows nothing; the docs page gets what
Swagger UI loads from its CDN."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kisaan_app.api.edge.origins import origin_of
from kisaan_app.settings import get_settings

RAZORPAY = "https://checkout.razorpay.com https://api.razorpay.com"
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCS_PATHS = frozenset({"/api/docs", "/api/docs/oauth2-redirect"})


def _socket_origins(scope: Scope) -> str:
    """ws/wss twins of our own origins (older Safari does not count ws: as 'self')."""
    origins = {origin_of(get_settings().public_url)}
    if host := Headers(scope=scope).get("host"):
        origins.add(origin_of(f"{scope.get('scheme', 'http')}://{host}"))
    sockets = {o.replace("http", "ws", 1) for o in origins if o}
    return " ".join(sorted(sockets))


def page_policy(scope: Scope) -> str:
    return (
        "default-src 'self'; "
        f"script-src 'self' 'unsafe-inline' 'unsafe-eval' {RAZORPAY}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        f"connect-src 'self' {_socket_origins(scope)} https://*.razorpay.com; frame-src {RAZORPAY}; "
        "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def policy_for(scope: Scope) -> str:
    path = scope["path"]
    if path in DOCS_PATHS:
        return DOCS_POLICY
    if path == "/api" or path.startswith("/api/"):
        return API_POLICY
    return page_policy(scope)


def _is_build_script_or_style(path: str) -> bool:
    """A hashed script or stylesheet of the build: the browser never renders it as a document, so a CSP or frame
    policy on it does nothing, and on 2G/3G its ~0.6 KB of headers cost a page of ~40 such files ~25 KB."""
    return path.startswith("/assets/") and path.endswith((".js", ".css"))


def security_headers(scope: Scope) -> dict[str, str]:
    if _is_build_script_or_style(scope["path"]):
        return {"X-Content-Type-Options": "nosniff"}  # still never sniffed into something else
    headers = {
        "Content-Security-Policy": policy_for(scope),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    settings = get_settings()
    if settings.is_prod and settings.public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:  # a route that sets its own (e.g. a stricter CSP) keeps it
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
