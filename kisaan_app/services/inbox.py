"""The in-app notification inbox: NotificationHistory rows of channel `in_app`, live through the event bus."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select, update

from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.realtime import send_on_commit, user_target
from kisaan_app.realtime.payloads import InboxChange
from kisaan_app.services.context import Principal


@dataclass(frozen=True)
class InboxItem:
    id: int
    category: str
    title: str
    body: str
    url: str
    critical: bool
    read: bool
    created_at: datetime


def _is_in_app(user_id: int):
    return (NotificationHistory.user_id == user_id, NotificationHistory.channel == "in_app")


def add(
    session: Session,
    user_id: int,
    *,
    category: str,
    title: str,
    body: str,
    url: str = "/",
    critical: bool = False,
    idempotency_key: str | None = None,
) -> NotificationHistory:
    """Store one in-app notification and announce it to the person's open tabs after commit."""
    now = utcnow()
    row = NotificationHistory(
        idempotency_key=idempotency_key or f"in_app:{uuid.uuid4().hex}",
        user_id=user_id,
        channel="in_app",
        category=category,
        is_critical=critical,
        recipient=user_target(user_id),
        subject=title[:200],
        body=body,
        data={"url": url},
        status="delivered",
        attempts=1,
        sent_at=now,
        delivered_at=now,
    )
    session.add(row)
    session.flush()
    send_on_commit(
        session,
        user_target(user_id),
        InboxChange(id=row.id, category=category, title=row.subject, critical=critical),
    )
    return row


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count()).where(*_is_in_app(user_id), col(NotificationHistory.read_at).is_(None))
    ).one()


def recent(session: Session, user_id: int, limit: int = 20) -> list[InboxItem]:
    rows = session.exec(
        select(NotificationHistory)
        .where(*_is_in_app(user_id))
        .order_by(col(NotificationHistory.id).desc())
        .limit(limit)
    ).all()
    return [
        InboxItem(
            id=r.id,
            category=r.category,
            title=r.subject or "",
            body=r.body,
            url=(r.data or {}).get("url", "/"),
            critical=r.is_critical,
            read=r.read_at is not None,
            created_at=r.created_at,
        )
        for r in rows
    ]


def mark_read(session: Session, reader: Principal, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, all) of the reader's own notifications read; returns how many changed."""
    conditions = [*_is_in_app(reader.id), col(NotificationHistory.read_at).is_(None)]
    if notification_id is not None:
        conditions.append(NotificationHistory.id == notification_id)
    changed = session.exec(
        update(NotificationHistory).where(*conditions).values(read_at=utcnow(), status="read")
    ).rowcount
    if changed:
        # Other tabs of the same person update their unread badge too.
        send_on_commit(session, user_target(reader.id), InboxChange(read=True))
    return changed
