"""Live events over Server-Sent Events, and admin broadcasts.

`GET /api/events/stream` carries only the events addressed to the caller (their user, their organisation,
everyone), optionally filtered by topic. Every event has an `id:`; a client that reconnects with
`Last-Event-ID` first gets what it missed from the stored events, then live ones, without gaps or repeats.
The stream holds no database connection while it waits, and a client that leaves costs nothing.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from kisaan_app.api.deps import MetaDep, SessionDep, _bearer, request_token, role_required
from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.realtime.bus import get_bus
from kisaan_app.realtime.events import TOPICS, Event, targets_for
from kisaan_app.realtime.store import events_since
from kisaan_app.services import accounts
from kisaan_app.services.broadcasts import send_broadcast
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import AuthenticationFailed, ValidationFailed

router = APIRouter(prefix="/api/events", tags=["live events"])
HEARTBEAT_SECONDS = 15.0


def _frame(event: Event) -> str:
    return f"id: {event.id}\nevent: {event.topic}\ndata: {json.dumps(event.payload, separators=(',', ':'))}\n\n"


def _topics(raw: str | None) -> set[str] | None:
    if not raw:
        return None
    topics = {t.strip() for t in raw.split(",") if t.strip()}
    unknown = topics - set(TOPICS)
    if unknown:
        raise ValidationFailed("unknown_topic", field="topics", topics=", ".join(sorted(unknown)))
    return topics


async def _stream(request: Request, reader: Principal, topics: set[str] | None, after_id: int) -> AsyncIterator[str]:
    targets = set(targets_for(reader.id, reader.organization_id))
    subscription = get_bus().subscribe()  # before the replay, so nothing published meanwhile is missed
    try:
        yield ": connected\n\n"
        last_sent = after_id
        if after_id:
            with session_scope() as session:
                missed = events_since(session, sorted(targets), after_id, topics)
            for event in missed:
                last_sent = event.id
                yield _frame(event)
        while not await request.is_disconnected():
            try:
                event = await asyncio.wait_for(subscription.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": keepalive\n\n"  # keeps proxies and mobile networks from closing an idle stream
                continue
            if event.target not in targets or (topics and event.topic not in topics):
                continue
            if event.id is not None and event.id <= last_sent:
                continue  # already sent in the replay
            last_sent = event.id or last_sent
            yield _frame(event)
    finally:
        subscription.close()


@router.get(
    "/stream",
    summary="Server-Sent Events for the caller",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 401: {"description": "missing or bad token"}},
)
async def stream(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    topics: Annotated[str | None, Query(description="comma-separated: " + ", ".join(TOPICS))] = None,
    access_token: Annotated[str | None, Query(description="the JWT, for EventSource (no headers)")] = None,
    last_event_id: Annotated[int | None, Query(ge=0)] = None,
) -> StreamingResponse:
    token = request_token(request, credentials) or access_token
    with session_scope() as session:  # a short session: none is held while the stream waits
        reader = accounts.principal_for_token(session, token)
    if reader is None:
        raise AuthenticationFailed()
    wanted = _topics(topics)
    header_id = request.headers.get("last-event-id", "")
    after = int(header_id) if header_id.isdigit() else (last_event_id or 0)
    return StreamingResponse(
        _stream(request, reader, wanted, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class BroadcastIn(BaseModel):
    message: str = Field(min_length=1, max_length=500)
    organization_id: int | None = None
    level: Literal["info", "warning", "critical"] = "info"


class BroadcastOut(BaseModel):
    event_id: int


@router.post("/broadcast", status_code=202, response_model=BroadcastOut)
def broadcast(
    body: BroadcastIn,
    session: SessionDep,
    meta: MetaDep,
    actor: Annotated[Principal, role_required(Role.ADMIN, Role.ORG_ADMIN)],
) -> BroadcastOut:
    event = send_broadcast(session, actor, meta, body.message, organization_id=body.organization_id, level=body.level)
    return BroadcastOut(event_id=event.id)
