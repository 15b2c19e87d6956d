"""Reading stored events: catch-up after a reconnect, SSE Last-Event-ID replay, the cross-process follower."""

from sqlmodel import Session, col, delete, func, select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime.events import Event


def _event(row: RealTimeEvent) -> Event:
    return Event(target=row.target, topic=row.topic, payload=row.payload, id=row.id, created_at=row.created_at)


def latest_event_id() -> int:
    with session_scope() as session:
        return session.exec(select(func.max(RealTimeEvent.id))).one() or 0


def events_after(after_id: int, limit: int = 1000) -> list[Event]:
    """Every stored event newer than `after_id`, oldest first (the follower's read)."""
    with session_scope() as session:
        rows = session.exec(
            select(RealTimeEvent).where(col(RealTimeEvent.id) > after_id).order_by(RealTimeEvent.id).limit(limit)
        ).all()
        return [_event(r) for r in rows]


def events_since(
    session: Session, targets: list[str], after_id: int, topics: set[str] | None = None, limit: int = 500
) -> list[Event]:
    """Unexpired events for these addresses after `after_id`, oldest first (replay for one reader)."""
    stmt = select(RealTimeEvent).where(
        col(RealTimeEvent.target).in_(targets),
        col(RealTimeEvent.id) > after_id,
        col(RealTimeEvent.expires_at) > utcnow(),
    )
    if topics:
        stmt = stmt.where(col(RealTimeEvent.topic).in_(topics))
    return [_event(r) for r in session.exec(stmt.order_by(RealTimeEvent.id).limit(limit)).all()]


def purge_expired(session: Session) -> int:
    return session.exec(delete(RealTimeEvent).where(col(RealTimeEvent.expires_at) <= utcnow())).rowcount
