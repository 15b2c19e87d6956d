"""Reading stored events: SSE Last-Event-ID replay, catch-up after a reconnect, the cross-process follower.

Every function takes the caller's session, so a request, a job or a test decides the transaction; the
RealTimeEvent primary key doubles as the replay cursor (it is what SSE sends as `id:`).
"""

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, delete, func, or_, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime.events import Event


def _event(row: RealTimeEvent) -> Event:
    return Event(target=row.target, topic=row.topic, payload=row.payload, id=row.id, created_at=row.created_at)


def events_since(
    session: Session, targets: list[str], after_id: int, topics: set[str] | None = None, limit: int = 500
) -> list[Event]:
    """Unexpired events for these addresses after `after_id`, oldest first (replay for one reader).

    Uses ix_realtime_event_target_id; a caller wanting everything pages on with the last id it got.
    """
    stmt = select(RealTimeEvent).where(
        col(RealTimeEvent.target).in_(targets),
        col(RealTimeEvent.id) > after_id,
        col(RealTimeEvent.expires_at) > utcnow(),
    )
    if topics:
        stmt = stmt.where(col(RealTimeEvent.topic).in_(topics))
    return [_event(r) for r in session.exec(stmt.order_by(col(RealTimeEvent.id)).limit(limit)).all()]


def latest_event_id(session: Session) -> int:
    """The newest stored id (0 for an empty table): where a follower starts reading."""
    return session.exec(select(func.max(RealTimeEvent.id))).one() or 0


def events_after(session: Session, after_id: int, also_ids: Collection[int] = (), limit: int = 1000) -> list[Event]:
    """Every stored event newer than `after_id` (any address), plus the listed older ids, oldest first.

    The follower's one query per poll. `also_ids` are ids it skipped over that may still commit: with
    concurrent writers (PostgreSQL) a lower id can become visible after a higher one.
    """
    newer = col(RealTimeEvent.id) > after_id
    where = or_(newer, col(RealTimeEvent.id).in_(list(also_ids))) if also_ids else newer
    rows = session.exec(select(RealTimeEvent).where(where).order_by(col(RealTimeEvent.id)).limit(limit)).all()
    return [_event(r) for r in rows]


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete events past their expiry; returns how many went (the periodic cleanup job)."""
    cutoff = now or utcnow()
    return session.exec(delete(RealTimeEvent).where(col(RealTimeEvent.expires_at) <= cutoff)).rowcount or 0
