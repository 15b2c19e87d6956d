"""Refuse text with a NUL character (U+0000) before any route sees it: 422 in the API's one error shape.

No field of this platform means a NUL, and PostgreSQL cannot store one in text (psycopg2 raises before the query
is sent), so unchecked a single `%00` or `"\\u0000"` from a client became a 500 on PostgreSQL while SQLite took it.
Checked here once for the path, the query string and JSON or form bodies (already capped by body_limit.py,
so holding one in memory is bounded); uploads and other binary bodies pass untouched.
"""

import re

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kisaan_app.api.errors import problem, request_language
from kisaan_app.i18n import error_text

TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
# In JSON a NUL is the escape \u0000 after an even number of backslashes (`\\u0000` is the text "\u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_FORM_NUL = re.compile(rb"%00")


def _has_nul(body: bytes, content_type: str) -> bool:
    if b"\x00" in body:
        return True
    return bool((_JSON_NUL if content_type == "application/json" else _FORM_NUL).search(body))


class NulGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await self._refuse(scope, receive, send)
            return
        content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        if content_type not in TEXT_BODIES:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _has_nul(body, content_type):
            await self._refuse(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = error_text(request_language(Request(scope)), "invalid_request")
        answer = problem(422, "invalid_request", message, details={"reason": "nul_character"})
        await answer(scope, receive, send)
