"""The database engine, the one way to open a transaction, and the one after-commit hook.

`on_commit` is how anything leaves a transaction: live events (realtime.publish_on_commit) and jobs
(jobs.enqueue_on_commit) both go through it, so neither can announce or start work for a write that rolled back.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy import exc as db_errors
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from kisaan_app.observability import metrics, tracing
from kisaan_app.settings import get_settings
from kisaan_app.sqlite_writers import take_turns

log = logging.getLogger(__name__)
_AFTER_COMMIT_KEY = "kisaan_after_commit"


def make_engine(url: str) -> Engine:
    engine = _make_engine(url)
    tracing.instrument_engine(engine)
    event.listen(engine, "handle_error", _count_error)
    return engine


def _count_error(context) -> None:  # noqa: ANN001 - SQLAlchemy's ExceptionContext
    """Every database error the app sees, by kind (OperationalError, IntegrityError...), for the alert rules."""
    metrics.DB_ERRORS.labels(type(context.original_exception).__name__).inc()


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A writer waiting for SQLite's one write lock holds its pooled connection meanwhile: a pool as small as
        # the default (5 + 10) made readers queue behind writers (20 people at once saw 6 s page reads).
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20, max_overflow=20
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            # Foreign keys are off by default in SQLite; WAL lets the worker and the web process share the file.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        take_turns(engine, timeout=30)  # the same 30 s a writer would wait in SQLite's busy handler
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def reset_engine() -> None:
    """Forget the cached engine (tests switch databases between runs)."""
    get_engine.cache_clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# The database went away under a caller (a restart, a failover, pg_terminate_backend, a pool exhausted, SQLite
# locked past its busy timeout): nothing was committed, and the pool's pre-ping reconnects the next caller.
OUTAGE_ERRORS = (
    db_errors.OperationalError,
    db_errors.InterfaceError,
    db_errors.DisconnectionError,
    db_errors.TimeoutError,
)


def is_outage(err: BaseException) -> bool:
    """True for the database being unreachable (answer 503, try again), False for a bad statement (our bug)."""
    return isinstance(err, OUTAGE_ERRORS) or bool(getattr(err, "connection_invalidated", False))


def on_commit(session: Session, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Run `fn(*args, **kwargs)` once this session's transaction commits; dropped if it rolls back.

    Callbacks run in the order they were added. The write is already committed when one runs, so a failing
    callback is logged, never raised: whatever it was for has a recovery path (stored events are replayed,
    sweeper jobs pick up pending rows)."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append((fn, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for fn, args, kwargs in session.info.pop(_AFTER_COMMIT_KEY, []):
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("after-commit callback %s failed", getattr(fn, "__qualname__", fn))


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT_KEY, None)
