"""Send one pending delivery: claim it, call its channel, record the answer, retry transient failures later.

Bookkeeping, so that nothing is sent twice or lost:
- A claim is a compare-and-set on (pending, due, not leased) that leases the row to this call for
  KISAAN_DELIVERY_LEASE_SECONDS under a fresh token. If the worker dies mid-send, the lease runs out and the
  sweeper claims the row again; the answer of a claim that lost its lease is not recorded over the new one.
- Every provider call carries the row's idempotency key (Twilio token header, email Message-ID, push Topic),
  so a resend after a lost answer is recognised by the provider instead of reaching the farmer twice.
- A claim counts an attempt (a worker that dies on a poison message still exhausts the retry budget); a send
  our own rate limiter defers gives that attempt back: it is a wait, not a try.
"""

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, or_, select, update

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import ratelimit
from kisaan_app.services.notifications import sms_consent
from kisaan_app.services.notifications.channels import (
    PermanentSendError,
    SendError,
    Sent,
    email,
    push,
    sms,
)
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
SENDERS = {"sms": sms.send, "email": email.send, "push": push.send}
MAX_BACKOFF_SECONDS = 3600.0
RATE_WAIT_SECONDS = 2.0  # wait this long for a free slot, then give the send back to the queue
RATE_DEFER_SECONDS = 1.0  # ...due again this much later, with its attempt count unchanged


@dataclass(frozen=True)
class Outcome:
    status: str  # the row's status after this attempt ("pending" = will retry at retry_at)
    retry_at: datetime | None = None


class RateDeferred(Exception):
    """Our own send limit had no free slot in time: the row waits, this was not an attempt."""


def lease_length() -> timedelta:
    return timedelta(seconds=get_settings().delivery_lease_seconds)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential: base, 2x base, 4x base... capped; a provider's Retry-After wins when longer."""
    delay = get_settings().send_retry_base_seconds * 2 ** max(attempt - 1, 0)
    return min(max(delay, retry_after or 0.0), MAX_BACKOFF_SECONDS)


def _claim(delivery_ids: list[int], now: datetime) -> tuple[str, list[NotificationHistory]]:
    """Lease the due, unleased pending rows among `delivery_ids` in one statement; returns the lease token and
    the rows this call won."""
    token = secrets.token_hex(8)
    with session_scope() as session:
        due = or_(col(NotificationHistory.next_attempt_at).is_(None), col(NotificationHistory.next_attempt_at) <= now)
        free = or_(col(NotificationHistory.leased_until).is_(None), col(NotificationHistory.leased_until) <= now)
        won = session.exec(
            update(NotificationHistory)
            .where(
                col(NotificationHistory.id).in_(delivery_ids),
                NotificationHistory.status == DeliveryStatus.PENDING,
                due,
                free,
            )
            .values(
                attempts=NotificationHistory.attempts + 1,
                leased_until=now + lease_length(),
                lease_token=token,
                updated_at=now,
            )
            .returning(NotificationHistory.id)
        ).all()
        ids = [i for (i,) in won]
        rows = session.exec(select(NotificationHistory).where(col(NotificationHistory.id).in_(ids))).all()
        return token, sorted(rows, key=lambda r: r.id)


def _take_rate_slot(channel: str) -> None:
    rule = getattr(get_settings(), f"{channel}_rate")
    deadline = time.monotonic() + RATE_WAIT_SECONDS
    while not ratelimit.acquire(rule, "notify", channel):
        if time.monotonic() > deadline:
            raise RateDeferred(f"{channel} over {rule}")
        time.sleep(0.02)


def _finish(row: NotificationHistory, token: str, **changes: object) -> bool:
    """Record an answer and end the lease, only if this claim still holds it (compare-and-set on the token):
    a worker that outlived its lease must not write over the sweeper's newer send. False if it lost."""
    from kisaan_app.services.notifications.campaigns import announce

    with session_scope() as session:
        done = session.exec(
            update(NotificationHistory)
            .where(col(NotificationHistory.id) == row.id, col(NotificationHistory.lease_token) == token)
            .values(**changes, leased_until=None, lease_token=None, updated_at=utcnow())
        )
        if done.rowcount != 1:
            log.warning("delivery %s: lease lost before the answer was recorded; the newer claim records it", row.id)
            return False
        if row.batch_id:
            announce(session, row.batch_id)
        return True


def _recorded(row: NotificationHistory, token: str, outcome: Outcome, **changes: object) -> Outcome:
    if _finish(row, token, **changes):
        return outcome
    return Outcome(DeliveryStatus.PENDING)  # someone else holds the row now and reports its fate


def _failed(row: NotificationHistory, token: str, err: SendError, now: datetime) -> Outcome:
    if err.transient and row.attempts < get_settings().send_max_attempts:
        retry_at = now + timedelta(seconds=backoff_seconds(row.attempts, err.retry_after))
        return _recorded(
            row,
            token,
            Outcome(DeliveryStatus.PENDING, retry_at),
            status=DeliveryStatus.PENDING,
            next_attempt_at=retry_at,
            error_code=err.code,
            error_message=err.message,
        )
    return _recorded(
        row,
        token,
        Outcome(DeliveryStatus.FAILED),
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        error_code=err.code,
        error_message=err.message,
    )


def _deferred(row: NotificationHistory, token: str, err: RateDeferred, now: datetime) -> Outcome:
    """Give back the attempt the claim counted; the row says why it waits."""
    retry_at = max(now, utcnow()) + timedelta(seconds=RATE_DEFER_SECONDS)
    return _recorded(
        row,
        token,
        Outcome(DeliveryStatus.PENDING, retry_at),
        attempts=row.attempts - 1,
        next_attempt_at=retry_at,
        error_code="rate_limited",
        error_message=str(err)[:500],
    )


def _sent(row: NotificationHistory, token: str, sent: Sent) -> Outcome:
    at = utcnow()
    return _recorded(
        row,
        token,
        Outcome(sent.status),
        status=sent.status,
        provider_message_id=sent.provider_message_id,
        segments=sent.segments,
        sent_at=at,
        delivered_at=at if sent.status == DeliveryStatus.DELIVERED else None,
        next_attempt_at=None,
        error_code=None,
        error_message=None,
    )


def _stopped_by_recipient(row: NotificationHistory) -> bool:
    """An SMS to a number that texted STOP is never sent, whoever queued it and when (sms_consent.py); only the
    STOP's own confirmation goes."""
    if row.channel != "sms" or (row.data or {}).get(sms_consent.CONSENT_NOTICE):
        return False
    with session_scope() as session:
        return sms_consent.is_opted_out(session, row.recipient)


def _attempt(row: NotificationHistory, token: str, now: datetime) -> Outcome:
    if _stopped_by_recipient(row):
        return _recorded(
            row,
            token,
            Outcome(DeliveryStatus.SKIPPED),
            status=DeliveryStatus.SKIPPED,
            next_attempt_at=None,
            error_code="sms_opted_out",
            error_message="the recipient texted STOP",
        )
    try:
        _take_rate_slot(row.channel)
    except RateDeferred as err:
        return _deferred(row, token, err, now)
    try:
        sent = SENDERS[row.channel](row)
    except SendError as err:
        return _failed(row, token, err, now)
    except Exception as err:  # noqa: BLE001 - a poison pill fails its own row, never the batch behind it
        log.exception("delivery %s (%s) raised", row.id, row.channel)
        return _failed(row, token, PermanentSendError("internal_error", f"{type(err).__name__}: {err}"), now)
    return _sent(row, token, sent)


def _attempt_safely(row: NotificationHistory, token: str, now: datetime) -> Outcome:
    """Even recording the answer can fail (the database went away): the row keeps its lease and the sweeper
    sends it again when the lease ends (the provider recognises the key); the rest of the batch goes on."""
    try:
        return _attempt(row, token, now)
    except Exception:  # noqa: BLE001
        log.exception("recording delivery %s failed; the sweeper will retry it", row.id)
        return Outcome(DeliveryStatus.PENDING, now + lease_length())


def deliver_many(delivery_ids: list[int], now: datetime | None = None) -> dict[int, Outcome]:
    """Attempt each of these deliveries that is pending and due (one claim for all, one commit per answer);
    the others are reported with their current status, unchanged."""
    now = now or utcnow()
    token, claimed = _claim(list(delivery_ids), now)
    outcomes = {row.id: _attempt_safely(row, token, now) for row in claimed}
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
    """Unleased (or lease-expired) pending rows whose retry time has come, or that no task picked up within
    `grace` (a lost enqueue), or whose worker died holding them (an expired lease)."""
    now = now or utcnow()
    leased_until = col(NotificationHistory.leased_until)
    with session_scope() as session:
        return list(
            session.exec(
                select(NotificationHistory.id)
                .where(
                    NotificationHistory.status == DeliveryStatus.PENDING,
                    or_(leased_until.is_(None), leased_until <= now),
                    or_(
                        col(NotificationHistory.next_attempt_at) <= now,
                        col(NotificationHistory.next_attempt_at).is_(None)
                        & (col(NotificationHistory.created_at) <= now - grace),
                        leased_until <= now,
                    ),
                )
                .order_by(col(NotificationHistory.id))
                .limit(limit)
            ).all()
        )


def deliver_due(
    now: datetime | None = None, grace: timedelta = timedelta(0), limit: int = 1000, chunk: int = 25
) -> dict[str, int]:
    """Send every due row now (the sweeper job, and tests that run the queue synchronously), claiming `chunk`
    rows at a time: one lease covers one chunk's sends, not a thousand."""
    counts: dict[str, int] = {}
    ids = due_ids(now, grace, limit)
    for start in range(0, len(ids), chunk):
        for outcome in deliver_many(ids[start : start + chunk], now).values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts
