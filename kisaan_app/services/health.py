"""What /api/health reports, and the timestamps the job worker leaves for it.

The worker's heartbeat and the last successful reconciliation are kept in the job queue's own key-value store
(huey's SQLite file or Redis): that store is what the worker must reach to do any work at all, it is shared by
every process that enqueues, and it needs no table. Values are plain epoch seconds.

Every check runs in its own thread under one deadline, so a black-holed Redis or database makes that check
"down" instead of holding the request. The report holds statuses, counts and ages only: nothing about hosts,
users or payloads, so it is safe to show to anonymous callers (load balancers, uptime monitors).
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, text
from sqlmodel import col, select

from kisaan_app import breakers, supervision
from kisaan_app.db import get_engine, session_scope
from kisaan_app.jobs import huey
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.settings import get_settings

WORKER_HEARTBEAT = "kisaansay:worker-heartbeat"
RECONCILED = "kisaansay:payments-reconciled"
PROBE_SOCKET_TIMEOUT = 1.0  # seconds; a Redis that accepts but never answers gives up after this
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="kisaansay-health")


# --- written by the worker ----------------------------------------------------------------------------------


def record(key: str, at: float | None = None) -> None:
    """Store 'now' (or `at`, epoch seconds) under `key` in the queue's store."""
    huey.storage.put_data(key, repr(float(time.time() if at is None else at)).encode())


def record_worker_heartbeat(at: float | None = None) -> None:
    record(WORKER_HEARTBEAT, at)


def record_reconciliation(at: float | None = None) -> None:
    record(RECONCILED, at)


def forget(key: str) -> None:
    huey.storage.pop_data(key)


# --- read by /api/health ------------------------------------------------------------------------------------


# id(huey's Redis pool) -> (that pool, a storage on the same Redis with short timeouts). Holding the pool keeps
# its id from being reused by another.
_probe_storages: dict[int, tuple[object, object]] = {}


def _probe_storage():
    """The queue's store, reached with short timeouts: huey's own Redis pool waits forever on a dead server."""
    from huey.storage import RedisStorage
    from redis import ConnectionPool

    storage = huey.storage
    if not isinstance(storage, RedisStorage):  # SQLite: a local file, its busy timeout is the only wait
        return storage
    pool = storage.pool
    if id(pool) not in _probe_storages:
        kwargs = {
            **pool.connection_kwargs,
            "socket_timeout": PROBE_SOCKET_TIMEOUT,
            "socket_connect_timeout": PROBE_SOCKET_TIMEOUT,
        }
        short = ConnectionPool(connection_class=pool.connection_class, **kwargs)
        _probe_storages[id(pool)] = (pool, RedisStorage(name=storage.name, connection_pool=short, clean_name=False))
    return _probe_storages[id(pool)][1]


def age_of(key: str, now: float | None = None) -> float | None:
    """Seconds since `key` was recorded, or None if it never was."""
    from huey.constants import EmptyData

    raw = _probe_storage().peek_data(key)
    if raw is EmptyData or raw is None:
        return None
    return round(max(0.0, (time.time() if now is None else now) - float(bytes(raw).decode())), 1)


def _check_database() -> dict:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"backend": get_engine().dialect.name}


def _check_redis(url: str) -> dict:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=PROBE_SOCKET_TIMEOUT, socket_timeout=PROBE_SOCKET_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _check_worker(max_age: int) -> dict:
    age = age_of(WORKER_HEARTBEAT)
    alive = age is not None and age <= max_age
    return {"status": "up" if alive else "down", "heartbeat_age_seconds": age, "max_age_seconds": max_age}


def _check_queue() -> dict:
    storage = _probe_storage()
    return {"pending": storage.queue_size(), "scheduled": storage.schedule_size()}


def _check_deliveries(now: datetime | None = None) -> dict:
    """Pending deliveries whose time has come (a retry due, never picked up, or held by a worker whose lease ran
    out), how long the oldest waited, and how many a worker is sending right now (a live lease)."""
    now = now or utcnow()
    row = NotificationHistory
    pending = row.status == DeliveryStatus.PENDING
    leased = col(row.leased_until) > now
    unleased = or_(col(row.leased_until).is_(None), col(row.leased_until) <= now)
    retry_due = col(row.next_attempt_at) <= now
    never_tried = col(row.next_attempt_at).is_(None)
    with session_scope() as session:
        due = session.exec(
            select(func.count()).select_from(row).where(pending, unleased, or_(retry_due, never_tried))
        ).one()
        sending = session.exec(select(func.count()).select_from(row).where(pending, leased)).one()
        oldest_retry = session.exec(select(func.min(row.next_attempt_at)).where(pending, unleased, retry_due)).one()
        oldest_new = session.exec(select(func.min(row.created_at)).where(pending, unleased, never_tried)).one()
    oldest = min((at for at in (oldest_retry, oldest_new) if at is not None), default=None)
    return {
        "due": due,
        "sending": sending,
        "oldest_due_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
    }


def _check_reconciliation() -> dict:
    return {"last_success_age_seconds": age_of(RECONCILED)}


def _check_bus(redis_status: str | None) -> dict:
    """Which bus this process uses and how many local subscribers it feeds. A probe never creates the bus: a
    process that has not needed one yet (the API alone, before any SSE stream) reports what it would use.

    With Redis: the publish breaker (open = Redis failing, events wait in the queue), the queue's depth and how
    many events it had to push out (subscribers replay those from the store), whether this process's
    subscription is live, and how often it caught up after an outage."""
    from kisaan_app.realtime.bus import get_bus
    from kisaan_app.realtime.redis_bus import RedisBus

    bus = get_bus() if get_bus.cache_info().currsize else None
    if bus is not None:
        backend = "redis" if isinstance(bus, RedisBus) else "memory"
    else:
        backend = "redis" if get_settings().redis_url else "memory"
    # Without a bus yet, the Redis bus would connect exactly when Redis answers; the in-process bus has nothing
    # to lose.
    status = (redis_status or "down") if backend == "redis" else "up"
    result = {"status": status, "backend": backend, "subscribers": bus.subscriber_count() if bus else 0}
    if isinstance(bus, RedisBus):
        breaker_state, listening = breakers.state_of(bus.breaker), bus.listening()
        if breaker_state == breakers.OPEN or not listening:
            result["status"] = "down"
        result |= {
            "breaker": breaker_state,
            "publish_queue": bus.outbox.depth(),
            "publish_dropped": bus.outbox.dropped,
            "subscription": ("alive" if listening else "down") if bus.subscriber_count() else "none",
            "catch_ups": bus.catch_ups,
        }
    return result


def _check_background() -> dict:
    """The supervised loops of this process (kisaan_app/supervision.py) and the Redis breakers: down while a loop
    waits to restart after a crash, or a breaker is open."""
    loops, states = supervision.loops(), breakers.states()
    failing = any(loop["status"] == "restarting" for loop in loops.values()) or breakers.OPEN in states.values()
    return {"status": "down" if failing else "up", "loops": loops, "breakers": states}


@dataclass
class HealthReport:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check["status"] == "up" for check in self.checks.values())

    def as_dict(self) -> dict:
        return {"status": "ok" if self.ok else "degraded", "checks": self.checks}


def _run(probes: dict[str, Callable[[], dict]], timeout: float) -> dict[str, dict]:
    """Every probe at once, none waited on past `timeout`; a probe's own "status" wins over "up"."""
    started = time.perf_counter()
    futures = {name: _executor.submit(_timed, probe) for name, probe in probes.items()}
    results: dict[str, dict] = {}
    for name, future in futures.items():
        remaining = max(0.0, timeout - (time.perf_counter() - started))
        try:
            results[name] = future.result(timeout=remaining)
        except FutureTimeout:
            results[name] = {"status": "down", "error": "Timeout"}
        except Exception as exc:  # noqa: BLE001 - any failure means "down", reported by its kind only
            results[name] = {"status": "down", "error": type(exc).__name__}
    return results


def _timed(probe: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    result = probe()
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 2), **result}


def report() -> HealthReport:
    """The database and Redis answer, a worker heartbeat is fresh, the queue's store answers; plus backlog
    figures (due deliveries, reconciliation age) and the bus. Any check down makes the report degraded."""
    settings = get_settings()
    probes: dict[str, Callable[[], dict]] = {"database": _check_database}
    if settings.redis_url:
        probes["redis"] = lambda: _check_redis(settings.redis_url)
    probes.update(
        worker=lambda: _check_worker(settings.worker_heartbeat_max_age_seconds),
        queue=_check_queue,
        deliveries=_check_deliveries,
        reconciliation=_check_reconciliation,
    )
    checks = _run(probes, settings.health_timeout_seconds)
    if "backend" not in checks["database"]:
        checks["database"]["backend"] = get_engine().dialect.name
    checks["bus"] = _run({"bus": lambda: _check_bus(checks.get("redis", {}).get("status"))}, 0.5)["bus"]
    checks["background"] = _run({"background": _check_background}, 0.5)["background"]
    return HealthReport(checks)
