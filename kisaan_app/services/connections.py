"""WebSocketConnection rows: who is connected right now, kept fresh by the hub's heartbeat.

A connection whose process stopped heartbeating (crash, redeploy) is marked stale after two missed
heartbeats and removed a little later by a job, so the Live page never counts ghosts.
"""

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select, update

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import Organization
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import ConnectionStatus
from kisaan_app.models.realtime import WebSocketConnection
from kisaan_app.realtime.hub import HEARTBEAT_SECONDS
from kisaan_app.services.context import Principal, RequestMeta

STALE_AFTER = timedelta(seconds=2 * HEARTBEAT_SECONDS)
REMOVE_STALE_AFTER = timedelta(minutes=10)
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"


def connect(session: Session, token: str, principal: Principal, meta: RequestMeta) -> WebSocketConnection:
    """Record (or refresh) the client `token` as held by this process for `principal`."""
    now = utcnow()
    row = _row_for(session, token)
    if row is None:
        # A new tab's first events (its page load and a background handler's access check) can record it at the
        # same moment: the insert that loses the race takes the winner's row instead of failing the page.
        try:
            with session.begin_nested():
                row = WebSocketConnection(
                    client_token=token, user_id=principal.id, role=principal.role, process_id=PROCESS_ID
                )
                row.connected_at = now
                session.add(row)
                session.flush()
        except IntegrityError:
            row = _row_for(session, token)
            assert row is not None  # the unique index refused ours because this row exists
    elif row.user_id != principal.id or row.status != ConnectionStatus.ONLINE:
        row.connected_at = now  # another person in this tab, or it came back: a new connection
    row.user_id, row.role, row.organization_id = principal.id, principal.role, principal.organization_id
    row.process_id, row.status, row.last_seen_at = PROCESS_ID, ConnectionStatus.ONLINE, now
    row.ip, row.user_agent = meta.ip, (meta.user_agent or "")[:300] or None
    session.add(row)
    session.flush()
    return row


def _row_for(session: Session, token: str) -> WebSocketConnection | None:
    return session.exec(select(WebSocketConnection).where(WebSocketConnection.client_token == token)).first()


def heartbeat(session: Session, tokens: list[str]) -> int:
    if not tokens:
        return 0
    result = session.exec(
        update(WebSocketConnection)
        .where(col(WebSocketConnection.client_token).in_(tokens))
        .values(last_seen_at=utcnow(), status=ConnectionStatus.ONLINE)
    )
    return result.rowcount


def disconnect(session: Session, tokens: list[str]) -> int:
    if not tokens:
        return 0
    result = session.exec(
        update(WebSocketConnection)
        .where(col(WebSocketConnection.client_token).in_(tokens))
        .values(status=ConnectionStatus.CLOSED, last_seen_at=utcnow())
    )
    return result.rowcount


def record_heartbeat(alive: list[str], gone: list[str]) -> None:
    """The hub's heartbeat, in a transaction of its own: these clients are still here, those have gone."""
    with session_scope() as session:
        heartbeat(session, alive)
        disconnect(session, gone)


def sweep(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Mark silent connections stale; delete stale and closed ones after a while. Returns (marked, removed)."""
    now = now or utcnow()
    marked = session.exec(
        update(WebSocketConnection)
        .where(
            WebSocketConnection.status == ConnectionStatus.ONLINE,
            col(WebSocketConnection.last_seen_at) < now - STALE_AFTER,
        )
        .values(status=ConnectionStatus.STALE)
    ).rowcount
    removed = session.exec(
        delete(WebSocketConnection).where(
            col(WebSocketConnection.status).in_([ConnectionStatus.STALE, ConnectionStatus.CLOSED]),
            col(WebSocketConnection.last_seen_at) < now - REMOVE_STALE_AFTER,
        )
    ).rowcount
    return marked, removed


@dataclass(frozen=True)
class LiveCounts:
    total: int
    by_role: dict[str, int]
    by_organization: list[tuple[str, int]]


def live_counts(session: Session, viewer: Principal) -> LiveCounts:
    """Connected clients (one person may have several tabs), scoped to an org admin's organisation."""
    online = [WebSocketConnection.status == ConnectionStatus.ONLINE]
    if viewer.role != "admin":
        online.append(WebSocketConnection.organization_id == viewer.organization_id)
    by_role = dict(
        session.exec(
            select(WebSocketConnection.role, func.count()).where(*online).group_by(WebSocketConnection.role)
        ).all()
    )
    by_org = session.exec(
        select(func.coalesce(Organization.name, ""), func.count())  # "" = not in any FPO
        .select_from(WebSocketConnection)
        .join(Organization, Organization.id == WebSocketConnection.organization_id, isouter=True)
        .where(*online)
        .group_by(Organization.name)
        .order_by(func.count().desc())
    ).all()
    return LiveCounts(total=sum(by_role.values()), by_role=by_role, by_organization=[tuple(r) for r in by_org])
