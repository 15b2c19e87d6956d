"""Request latency for /metrics: every HTTP request through this app (the API and, in production, the pages
Reflex serves from it), labelled by route template so ids never become labels. WebSockets pass untouched."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kisaan_app.observability import metrics


class RequestTiming:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.REQUEST_SECONDS.labels(scope["method"], route, metrics.status_class(status)).observe(
                time.perf_counter() - started
            )
