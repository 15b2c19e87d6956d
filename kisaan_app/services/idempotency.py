"""Writes that may arrive twice: an `Idempotency-Key` makes a repeat return the first answer instead of writing
again.

A phone that lost its network queues the write (the service worker) and replays it when the network returns;
a lost response, Background Sync firing twice or a second tab replay the same request. The key is the caller's
own (one person's key never finds another's answer) and is claimed by inserting a row under a unique
(person, key) constraint *before* the write, in the same transaction: a concurrent twin waits on that row and
then reads the answer it stored, and a write that fails (a listing sold meanwhile) rolls the claim back with it,
so the same key can be tried again and gets the failure again, as a clear message.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.idempotency import IdempotentRequest
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import Conflict, ValidationFailed

# A UUID from the phone fits; so do shorter hand-made keys, but nothing that could be a guessable counter.
KEY_SHAPE = re.compile(r"[A-Za-z0-9_.:\-]{8,64}")
# A key may name its person ("u42-…", as the phone's queue writes them): then only that person may use it, so a
# write queued on a shared phone by one person is never replayed as whoever signs in next.
KEY_OWNER = re.compile(r"u(\d+)-")
# Answers are kept well past the longest a phone keeps a queued write (a week, tools/service-worker/sw.js).
KEEP_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool  # True: this is the stored answer of an earlier request with the same key


def check_key(key: str) -> str:
    if not KEY_SHAPE.fullmatch(key or ""):
        raise ValidationFailed("idempotency_key_invalid", field="Idempotency-Key")
    return key


def fingerprint(operation: str, request: dict[str, Any]) -> str:
    """What the request asked for; the same key with a different request is refused, not silently replayed."""
    canonical = json.dumps([operation, request], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(session: Session, user_id: int, key: str) -> IdempotentRequest | None:
    query = select(IdempotentRequest).where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
    return session.exec(query).first()


def _replay(row: IdempotentRequest, digest: str) -> Answer:
    if row.fingerprint != digest:
        raise Conflict("idempotency_key_reused")
    return Answer(row.status_code, row.response, replayed=True)


def once(
    session: Session,  # nothing written in it yet: a repeat rolls it back to read the first answer
    actor: Principal,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    write: Callable[[], tuple[int, dict[str, Any]]],
) -> Answer:
    """Run `write` (returning status and JSON body) once per (actor, key); without a key, just run it."""
    if key is None:
        status, body = write()
        return Answer(status, body, replayed=False)
    key, digest = check_key(key), fingerprint(operation, request)
    owner = KEY_OWNER.match(key)
    if owner and int(owner.group(1)) != actor.id:
        raise Conflict("idempotency_key_other_person")
    claim = IdempotentRequest(user_id=actor.id, key=key, operation=operation, fingerprint=digest)
    session.add(claim)
    try:
        session.flush()  # waits here while a concurrent twin holds the same key, until it commits
    except IntegrityError:
        # No savepoint: SQLite's driver commits a savepoint that opens a transaction, which would keep the
        # claim of a write that then fails. The claim is the request's first write, so nothing else is lost.
        session.rollback()
        stored = _stored(session, actor.id, key)
        if stored is None or stored.status_code == 0:
            raise Conflict("idempotency_key_in_use") from None
        return _replay(stored, digest)
    status, body = write()
    claim.status_code, claim.response = status, body
    session.add(claim)
    session.flush()
    return Answer(status, body, replayed=False)


def forget_old(session: Session, now: datetime | None = None) -> int:
    """Delete answers older than KEEP_FOR (a periodic job); returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    return session.exec(delete(IdempotentRequest).where(col(IdempotentRequest.created_at) < cutoff)).rowcount
