"""Refuse request bodies over their route's limit (limits.py) with 413 in the API's one error shape.

The declared Content-Length is checked before the app runs; a chunked or lying body is counted as it
streams, and reading past the limit raises BodyTooLarge (an HTTPException, so FastAPI's body parsing passes
it on to the error handlers instead of turning it into a 400)."""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kisaan_app.api.edge.limits import body_limit_for
from kisaan_app.api.errors import body_too_large


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, code: str = "body_too_large") -> None:
        super().__init__(status_code=413, detail=code)
        self.limit = limit
        self.code = code


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = body_limit_for(scope["path"])
        limit = rule.limit
        declared = Headers(scope=scope).get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            await body_too_large(Request(scope), limit, rule.code)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, rule.code)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Read outside FastAPI's error handling (a mounted app, a background reader): answer here.
            if started:
                raise
            await body_too_large(Request(scope), limit, rule.code)(scope, receive, send)
