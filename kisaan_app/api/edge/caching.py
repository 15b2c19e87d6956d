"""How long a browser may keep what the production build serves. Files under /assets/ are named by their content
hash, so one name never changes: a year, immutable (a repeat visit on 2G/3G asks for none of them). The service
worker script must be re-checked on every visit, or a phone could keep an old worker (and old pages) for a day."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
ALWAYS_CHECK = "no-cache"


def cache_policy(path: str) -> str | None:
    if path.startswith("/assets/"):
        return IMMUTABLE
    if path == "/sw.js":
        return ALWAYS_CHECK
    return None


class BuildCaching:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = cache_policy(scope["path"]) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                MutableHeaders(scope=message)["Cache-Control"] = policy
            await send(message)

        await self.app(scope, receive, send_with_policy)
