"""The web edge: rules every request meets before a route runs (body size, no NUL in text, cross-site writes) and the
headers every response carries. Pure ASGI middleware, so streamed bodies and the mounted Reflex app
(pages, /_upload; the /_event WebSocket passes untouched) are covered too."""

from fastapi import FastAPI

from kisaan_app.api.edge.body_limit import BodyLimit
from kisaan_app.api.edge.caching import BuildCaching
from kisaan_app.api.edge.headers import SecurityHeaders
from kisaan_app.api.edge.no_nul import NulGuard
from kisaan_app.api.edge.origin_guard import OriginGuard
from kisaan_app.api.edge.timing import RequestTiming


def install_edge(app: FastAPI) -> None:
    # add_middleware puts the last one outermost: headers wrap every answer, including the guards' refusals.
    app.add_middleware(BuildCaching)  # only sets Cache-Control on the build's hashed files and /sw.js
    app.add_middleware(NulGuard)  # inside BodyLimit: it only ever holds a body that is within its limit
    app.add_middleware(BodyLimit)
    app.add_middleware(OriginGuard)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTiming)  # outermost: the time a caller waits, refusals included
