"""Live events over Server-Sent Events, and admin broadcasts.

`GET /api/events/stream` carries only the events addressed to the caller (their user, their organisation,
everyone), optionally filtered by topic. Every event has an `id:`; a client that reconnects with
`Last-Event-ID` first gets what it missed from the stored events, then live ones, without gaps or repeats.
The stream holds no database connection while it waits, and a client that leaves costs nothing: the server
reports the disconnect, Starlette cancels the stream, and its subscription is closed (at the latest when the
next heartbeat cannot be written).
"""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep, _bearer, request_token, role_required
from kisaan_app.api.ids import RowId
from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.realtime.bus import get_bus
from kisaan_app.realtime.events import TOPICS, Event, targets_for, user_target
from kisaan_app.realtime.store import events_since
from kisaan_app.services import accounts, live_access, stream_limits
from kisaan_app.services.broadcasts import send_broadcast
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import AuthenticationFailed, ValidationFailed

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/events", tags=["live events"])
HEARTBEAT_SECONDS = 15.0  # read on every wait, so tests may monkeypatch it
REPLAY_PAGE = 500


def _frame(event: Event) -> str:
    return f"id: {event.id}\nevent: {event.topic}\ndata: {json.dumps(event.payload, separators=(',', ':'))}\n\n"


def _topics(raw: str | None) -> set[str] | None:
    if not raw:
        return None
    topics = {t.strip() for t in raw.split(",") if t.strip()}
    unknown = topics - set(TOPICS)
    if unknown:
        raise ValidationFailed("unknown_topic", field="topics", topics=", ".join(sorted(unknown)))
    return topics or None


def _reader(token: str | None, ticket: str | None) -> Principal | None:
    with session_scope() as session:  # a short session: none is held while the stream waits
        if ticket is not None:
            return live_access.reader_for_ticket(session, ticket)
        return accounts.principal_for_token(session, token)


def _entitled(reader: Principal) -> bool:
    with session_scope() as session:
        return live_access.still_entitled(session, reader)


def _page(targets: list[str], after_id: int, topics: set[str] | None) -> list[Event]:
    with session_scope() as session:
        return events_since(session, targets, after_id, topics, limit=REPLAY_PAGE)


async def _stored(targets: list[str], after_id: int, topics: set[str] | None) -> AsyncIterator[Event]:
    """Stored events after `after_id`, a page at a time, read off the event loop."""
    while True:
        page = await run_in_threadpool(_page, targets, after_id, topics)
        for event in page:
            yield event
        if len(page) < REPLAY_PAGE:
            return
        after_id = page[-1].id or after_id


async def _stream(request: Request, reader: Principal, topics: set[str] | None, after_id: int) -> AsyncIterator[str]:
    # Never `await request.is_disconnected()` here: Starlette's StreamingResponse already waits on `receive()`
    # for the disconnect (and cancels this generator when it comes), and under granian a second `receive()`
    # beside it, cancelled at once, makes the server report `http.disconnect`: most fresh streams were closed
    # within a second of `: connected` (issue 19). `request` stays in the signature for the callers.
    targets = targets_for(reader.id, reader.organization_id, reader.role)
    subscription = get_bus().subscribe()  # before the replay, so nothing published meanwhile is missed
    try:
        if not await subscription.ready():
            log.warning("SSE stream starts before the event bus is connected; live events may be late")
        yield ": connected\n\n"
        # `cursor`: every event for this reader up to this id has been sent or predates the stream (None:
        # not known until the first live event). `replayed_to`: live events up to this id were already sent
        # from the store. Only a replay moves it: live events may arrive slightly out of id order
        # (concurrent commits) and must not be skipped for that.
        cursor: int | None = after_id or None
        replayed_to, catch_up, dropped = after_id, bool(after_id), 0
        checked = time.monotonic()
        while True:
            if time.monotonic() - checked >= HEARTBEAT_SECONDS:  # a revoked session ends within one heartbeat
                if not await run_in_threadpool(_entitled, reader):
                    yield "event: revoked\ndata: {}\n\n"
                    return
                checked = time.monotonic()
            if catch_up and cursor is not None:  # a Last-Event-ID reconnect, or our queue overflowed
                async for event in _stored(targets, cursor, topics):
                    cursor = event.id or cursor
                    yield _frame(event)
                replayed_to, catch_up = cursor, False
            try:
                event = await asyncio.wait_for(subscription.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": keepalive\n\n"  # keeps proxies and mobile networks from closing an idle stream
                continue
            if cursor is None and event.id:
                cursor = event.id - 1  # the first live event: anything older predates this stream
            if subscription.dropped != dropped:
                dropped, catch_up = subscription.dropped, True
            if event.topic == "session" and event.target == user_target(reader.id):
                # The reader's sign-in changed (services/sign_in_events.py): check now, not at the next heartbeat.
                if not await run_in_threadpool(_entitled, reader):
                    yield "event: revoked\ndata: {}\n\n"
                    return
                checked = time.monotonic()
            if event.target not in targets or (topics and event.topic not in topics):
                continue
            if event.id is not None and event.id <= replayed_to:
                continue  # already sent in the replay
            cursor = max(cursor or 0, event.id or 0)
            yield _frame(event)
    finally:
        subscription.close()
        # A client that leaves cancels this generator; shielded, its place is still given back.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(stream_limits.release, reader)


@router.get(
    "/stream",
    summary="Server-Sent Events for the caller",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        401: {"description": "missing, bad or expired token"},
        422: {"description": "unknown topic"},
        429: {"description": "too many streams opened in the last minute, or open at once"},
    },
)
async def stream(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    topics: Annotated[str | None, Query(description="comma-separated: " + ", ".join(TOPICS))] = None,
    ticket: Annotated[
        str | None, Query(description="a stream ticket from POST /api/events/ticket, for EventSource (no headers)")
    ] = None,
    last_event_id: Annotated[int | None, Query(ge=0, description="as the Last-Event-ID header")] = None,
) -> StreamingResponse:
    # The Authorization header, else a stream ticket (EventSource cannot set headers), else the cookie. Never
    # the session token in the query string: URLs end up in logs and history.
    token = request_token(request, credentials) if credentials or ticket is None else None
    reader = await run_in_threadpool(_reader, token, None if token else ticket)
    if reader is None:
        raise AuthenticationFailed()
    wanted = _topics(topics)
    await run_in_threadpool(stream_limits.admit, reader)  # 429 with Retry-After past the per-person limits
    header_id = request.headers.get("last-event-id", "").strip()
    after = int(header_id) if header_id.isdigit() else (last_event_id or 0)
    return StreamingResponse(
        _stream(request, reader, wanted, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class TicketOut(BaseModel):
    ticket: str
    expires_in: int


@router.post("/ticket", response_model=TicketOut)
def stream_ticket(principal: CurrentPrincipal) -> TicketOut:
    """A one-minute ticket that opens `GET /api/events/stream?ticket=…` and nothing else."""
    return TicketOut(ticket=live_access.issue_ticket(principal), expires_in=int(live_access.TICKET_TTL.total_seconds()))


class BroadcastIn(BaseModel):
    message: str = Field(min_length=1, max_length=500)
    organization_id: RowId | None = None
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
    """A system message to everyone (admins) or to one organisation (admins; org admins: their own only).

    The audit record and the stored event are one transaction; the event goes out after COMMIT.
    """
    event = send_broadcast(session, actor, meta, body.message, organization_id=body.organization_id, level=body.level)
    return BroadcastOut(event_id=event.id)
