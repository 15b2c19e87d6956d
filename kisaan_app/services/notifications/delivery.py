"""Send one pending delivery: claim it, call its channel, record the answer, retry transient failures later.

A row is claimed with a compare-and-set on (status pending, due), so a task and the sweeper never send it
twice; the claim leases it for a few minutes in case the process dies mid-send.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, or_, select, update

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import ratelimit
from kisaan_app.services.notifications.channels import (
    PermanentSendError,
    SendError,
    Sent,
    TransientSendError,
    email,
    push,
    sms,
)
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
SENDERS = {"sms": sms.send, "email": email.send, "push": push.send}
LEASE = timedelta(minutes=5)
MAX_BACKOFF_SECONDS = 3600.0
RATE_WAIT_SECONDS = 2.0  # wait this long for a free slot, then give the send back to the queue


@dataclass(frozen=True)
class Outcome:
    status: str  # the row's status after this attempt ("pending" = will retry at retry_at)
    retry_at: datetime | None = None


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential: base, 2x base, 4x base... capped; a provider's Retry-After wins when longer."""
    delay = get_settings().send_retry_base_seconds * 2 ** max(attempt - 1, 0)
    return min(max(delay, retry_after or 0.0), MAX_BACKOFF_SECONDS)


def _claim(delivery_ids: list[int], now: datetime) -> list[NotificationHistory]:
    """Lease the due pending rows among `delivery_ids` in one statement; returns the ones this call won."""
    with session_scope() as session:
        due = or_(col(NotificationHistory.next_attempt_at).is_(None), col(NotificationHistory.next_attempt_at) <= now)
        won = session.exec(
            update(NotificationHistory)
            .where(
                col(NotificationHistory.id).in_(delivery_ids), NotificationHistory.status == DeliveryStatus.PENDING, due
            )
            .values(attempts=NotificationHistory.attempts + 1, next_attempt_at=now + LEASE, updated_at=now)
            .returning(NotificationHistory.id)
        ).all()
        ids = [i for (i,) in won]
        rows = session.exec(select(NotificationHistory).where(col(NotificationHistory.id).in_(ids))).all()
        return sorted(rows, key=lambda r: r.id)


def _take_rate_slot(channel: str) -> None:
    rule = getattr(get_settings(), f"{channel}_rate")
    deadline = time.monotonic() + RATE_WAIT_SECONDS
    while not ratelimit.acquire(rule, "notify", channel):
        if time.monotonic() > deadline:
            raise TransientSendError("rate_limited", f"{channel} over {rule}", retry_after=1.0)
        time.sleep(0.02)


def _finish(delivery_id: int, **changes: object) -> NotificationHistory:
    from kisaan_app.services.notifications.campaigns import announce

    with session_scope() as session:
        row = session.get(NotificationHistory, delivery_id)
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.add(row)
        if row.batch_id:
            announce(session, row.batch_id)
        return row


def _failed(row: NotificationHistory, err: SendError, now: datetime) -> Outcome:
    if err.transient and row.attempts < get_settings().send_max_attempts:
        retry_at = now + timedelta(seconds=backoff_seconds(row.attempts, err.retry_after))
        _finish(
            row.id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=retry_at,
            error_code=err.code,
            error_message=err.message,
        )
        return Outcome(DeliveryStatus.PENDING, retry_at)
    _finish(row.id, status=DeliveryStatus.FAILED, next_attempt_at=None, error_code=err.code, error_message=err.message)
    return Outcome(DeliveryStatus.FAILED)


def _sent(row: NotificationHistory, sent: Sent) -> Outcome:
    _finish(
        row.id,
        status=sent.status,
        provider_message_id=sent.provider_message_id,
        segments=sent.segments,
        sent_at=utcnow(),
        next_attempt_at=None,
        error_code=None,
        error_message=None,
    )
    return Outcome(sent.status)


def _attempt(row: NotificationHistory, now: datetime) -> Outcome:
    try:
        _take_rate_slot(row.channel)
        sent = SENDERS[row.channel](row)
    except SendError as err:
        return _failed(row, err, now)
    except Exception as err:  # noqa: BLE001 - a poison pill fails its own row, never the batch behind it
        log.exception("delivery %s (%s) raised", row.id, row.channel)
        return _failed(row, PermanentSendError("internal_error", f"{type(err).__name__}: {err}"), now)
    return _sent(row, sent)


def _attempt_safely(row: NotificationHistory, now: datetime) -> Outcome:
    """Even recording the answer can fail (the database went away): the row keeps its lease and the sweeper
    sends it again when the lease ends; the rest of the batch goes on."""
    try:
        return _attempt(row, now)
    except Exception:  # noqa: BLE001
        log.exception("recording delivery %s failed; the sweeper will retry it", row.id)
        return Outcome(DeliveryStatus.PENDING, now + LEASE)


def deliver_many(delivery_ids: list[int], now: datetime | None = None) -> dict[int, Outcome]:
    """Attempt each of these deliveries that is pending and due (one claim for all, one commit per answer);
    the others are reported with their current status, unchanged."""
    now = now or utcnow()
    outcomes = {row.id: _attempt_safely(row, now) for row in _claim(list(delivery_ids), now)}
    rest = [i for i in delivery_ids if i not in outcomes]
    if rest:
        with session_scope() as session:
            found = dict(
                session.exec(
                    select(NotificationHistory.id, NotificationHistory.status).where(
                        col(NotificationHistory.id).in_(rest)
                    )
                ).all()
            )
        outcomes.update({i: Outcome(found.get(i, "missing")) for i in rest})
    return outcomes


def deliver(delivery_id: int, now: datetime | None = None) -> Outcome:
    """Attempt one delivery if it is pending and due; otherwise report its current status unchanged."""
    return deliver_many([delivery_id], now)[delivery_id]


def due_ids(now: datetime | None = None, grace: timedelta = timedelta(0), limit: int = 1000) -> list[int]:
    """Pending rows whose retry time has come, or that no task picked up within `grace` (a lost enqueue)."""
    now = now or utcnow()
    with session_scope() as session:
        return list(
            session.exec(
                select(NotificationHistory.id)
                .where(
                    NotificationHistory.status == DeliveryStatus.PENDING,
                    or_(
                        col(NotificationHistory.next_attempt_at) <= now,
                        col(NotificationHistory.next_attempt_at).is_(None)
                        & (col(NotificationHistory.created_at) <= now - grace),
                    ),
                )
                .order_by(col(NotificationHistory.id))
                .limit(limit)
            ).all()
        )


def deliver_due(now: datetime | None = None, grace: timedelta = timedelta(0), limit: int = 1000) -> dict[str, int]:
    """Send every due row now (the sweeper job, and tests that run the queue synchronously)."""
    counts: dict[str, int] = {}
    for outcome in deliver_many(due_ids(now, grace, limit), now).values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts
