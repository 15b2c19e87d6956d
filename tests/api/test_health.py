"""/api/health reports the database, Redis when it is configured, the job worker's heartbeat, the queue, the
delivery backlog, the last reconciliation and the bus; any of them down makes it 503."""

import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kisaan_app.db import session_scope
from kisaan_app.jobs import huey
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import health as system_health
from kisaan_app.settings import get_settings
from kisaan_app.tasks.payments import reconcile_payments
from kisaan_app.tasks.worker_heartbeat import beat
from tests.services import require_redis


@pytest.fixture
def worker_alive():
    """A worker heartbeat written now, as the running worker's minute task does; forgotten afterwards."""
    beat.call_local()
    yield
    system_health.forget(system_health.WORKER_HEARTBEAT)


@pytest.fixture
def no_worker():
    system_health.forget(system_health.WORKER_HEARTBEAT)
    yield
    system_health.forget(system_health.WORKER_HEARTBEAT)


def test_health_reports_database(api, database, worker_alive):
    res = api.get("/api/health")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["database"]["backend"] == ("sqlite" if database.startswith("sqlite") else "postgresql")
    assert "redis" not in body["checks"]


def test_health_reports_redis_up_and_down(api, monkeypatch, worker_alive):
    url = require_redis()
    monkeypatch.setattr(get_settings(), "redis_url", url)
    assert api.get("/api/health").json()["checks"]["redis"]["status"] == "up"
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    res = api.get("/api/health")
    assert res.status_code == 503
    assert res.json()["status"] == "degraded" and res.json()["checks"]["redis"]["status"] == "down"


def test_fresh_heartbeat_is_200_with_its_age(api, worker_alive):
    res = api.get("/api/health")
    assert res.status_code == 200, res.json()
    worker = res.json()["checks"]["worker"]
    assert worker["status"] == "up"
    assert 0 <= worker["heartbeat_age_seconds"] < 5
    assert worker["max_age_seconds"] == get_settings().worker_heartbeat_max_age_seconds
    assert res.headers["cache-control"] == "no-store"


def test_missing_heartbeat_is_503(api, no_worker):
    res = api.get("/api/health")
    assert res.status_code == 503
    body = res.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"] == {
        "status": "down",
        "latency_ms": body["checks"]["worker"]["latency_ms"],
        "heartbeat_age_seconds": None,
        "max_age_seconds": get_settings().worker_heartbeat_max_age_seconds,
    }
    assert body["checks"]["database"]["status"] == "up"  # only the worker is the matter


def test_stale_heartbeat_is_503(api, no_worker):
    max_age = get_settings().worker_heartbeat_max_age_seconds
    system_health.record_worker_heartbeat(at=time.time() - max_age - 30)
    res = api.get("/api/health")
    assert res.status_code == 503
    assert res.json()["checks"]["worker"]["status"] == "down"
    assert res.json()["checks"]["worker"]["heartbeat_age_seconds"] >= max_age + 30
    system_health.record_worker_heartbeat(at=time.time() - max_age + 30)  # just inside the limit
    assert api.get("/api/health").status_code == 200


def test_queue_depth_counts_waiting_jobs(api, worker_alive):
    before = api.get("/api/health").json()["checks"]["queue"]
    huey.enqueue(beat.s())  # waiting for a worker
    huey.add_schedule(beat.s(eta=datetime.now(UTC) + timedelta(hours=1)))  # as the consumer parks a later job
    try:
        after = api.get("/api/health").json()["checks"]["queue"]
        assert after["status"] == "up"
        assert after["pending"] == before["pending"] + 1
        assert after["scheduled"] == before["scheduled"] + 1
    finally:  # nothing consumes the run's queue: leave it empty (flush_queue keeps the stored heartbeat)
        huey.storage.flush_queue()
        huey.storage.flush_schedule()


def _delivery(key: str, **fields) -> None:
    with session_scope() as session:
        session.add(
            NotificationHistory(idempotency_key=key, channel="sms", recipient="+919800000001", body="hi", **fields)
        )


def test_oldest_due_delivery_and_backlog(api, worker_alive):
    now = utcnow()
    _delivery("never-tried", created_at=now - timedelta(minutes=10))
    _delivery("retry-due", next_attempt_at=now - timedelta(minutes=3))
    _delivery("retry-later", next_attempt_at=now + timedelta(minutes=30))
    _delivery("sent", status="sent", created_at=now - timedelta(hours=2))
    deliveries = api.get("/api/health").json()["checks"]["deliveries"]
    assert deliveries["status"] == "up"
    assert deliveries["due"] == 2
    assert 600 <= deliveries["oldest_due_age_seconds"] < 660


def test_last_successful_reconciliation(api, worker_alive):
    system_health.forget(system_health.RECONCILED)
    assert api.get("/api/health").json()["checks"]["reconciliation"]["last_success_age_seconds"] is None
    reconcile_payments.call_local()  # nothing pending: a run that asked about every payment it had to
    age = api.get("/api/health").json()["checks"]["reconciliation"]["last_success_age_seconds"]
    assert 0 <= age < 5
    system_health.forget(system_health.RECONCILED)


def test_bus_state_is_reported(api, worker_alive):
    bus = api.get("/api/health").json()["checks"]["bus"]
    assert bus["status"] == "up" and bus["backend"] == "memory"
    assert isinstance(bus["subscribers"], int)


def test_a_black_holed_check_does_not_hold_the_answer(api, monkeypatch, worker_alive):
    """A check that never returns (a Redis that accepts and never answers) is reported down within the deadline."""
    monkeypatch.setattr(get_settings(), "health_timeout_seconds", 0.5)
    monkeypatch.setattr(system_health, "_check_queue", lambda: time.sleep(3) or {})
    started = time.perf_counter()
    res = api.get("/api/health")
    assert time.perf_counter() - started < 1.5
    assert res.status_code == 503
    assert res.json()["checks"]["queue"] == {"status": "down", "error": "Timeout"}


def test_nothing_identifying_is_shown(api, worker_alive):
    """Anonymous callers see statuses, counts and ages: no URLs, hosts, paths or people."""
    body = api.get("/api/health").text
    settings = get_settings()
    for secret in (settings.database_url, str(settings.huey_path), "127.0.0.1", "+91", settings.secret_key):
        assert secret not in body


@pytest.fixture
def redis_queue(monkeypatch):
    """The job queue on the suite's Redis (as with REDIS_URL set), under a name no other run uses."""
    from huey import RedisHuey

    queue = RedisHuey(f"kisaansay-health-{uuid.uuid4().hex[:8]}", url=require_redis())
    monkeypatch.setattr(system_health, "huey", queue)
    yield queue
    queue.storage.flush_all()


def test_heartbeat_through_a_redis_queue(api, redis_queue):
    assert api.get("/api/health").status_code == 503  # nothing written to this queue yet
    system_health.record_worker_heartbeat()
    res = api.get("/api/health")
    assert res.status_code == 200, res.json()
    assert res.json()["checks"]["worker"]["heartbeat_age_seconds"] < 5


def test_a_black_holed_redis_queue_answers_down_in_time(api, redis_queue, monkeypatch):
    """A Redis that accepts connections and never answers: the queue and worker checks give up, the answer comes."""
    from huey import RedisHuey

    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)  # never accepted: the kernel completes the handshake, nothing ever replies
        port = hole.getsockname()[1]
        monkeypatch.setattr(system_health, "huey", RedisHuey("kisaansay", url=f"redis://127.0.0.1:{port}/0"))
        started = time.perf_counter()
        res = api.get("/api/health")
        elapsed = time.perf_counter() - started
    assert elapsed < get_settings().health_timeout_seconds + 1
    assert res.status_code == 503
    assert res.json()["checks"]["queue"]["status"] == "down"
    assert res.json()["checks"]["worker"]["status"] == "down"


def test_a_reconciliation_with_provider_errors_is_not_a_success(api, worker_alive, monkeypatch):
    from kisaan_app.services.payments import reconcile

    system_health.forget(system_health.RECONCILED)
    failing = reconcile.ReconcileReport(checked=1, errors=["order_x: GATEWAY_ERROR"])
    monkeypatch.setattr(reconcile, "reconcile", lambda *_args, **_kwargs: failing)
    reconcile_payments.call_local()
    assert api.get("/api/health").json()["checks"]["reconciliation"]["last_success_age_seconds"] is None


def test_a_background_loop_waiting_to_restart_makes_health_degraded(api, worker_alive):
    """A crashed supervised loop (kisaan_app/supervision.py) shows as restarting, with its error type, and the
    report is 503 until the loop runs again."""
    import asyncio

    from kisaan_app import supervision
    from tests.asyncio_thread import run_async

    name = f"test-loop-{uuid.uuid4().hex[:6]}"

    async def scenario():
        runs = []

        async def crashes_once():
            runs.append(1)
            if len(runs) == 1:
                raise ConnectionError("gone")
            await asyncio.Event().wait()

        task = asyncio.create_task(supervision.supervise(name, crashes_once, first_backoff=1.0))
        await asyncio.sleep(0.2)
        during = await asyncio.to_thread(api.get, "/api/health")
        while len(runs) < 2:
            await asyncio.sleep(0.05)
        after = await asyncio.to_thread(api.get, "/api/health")
        task.cancel()
        return during, after

    during, after = run_async(scenario())
    assert during.status_code == 503
    background = during.json()["checks"]["background"]
    assert background["status"] == "down"
    assert background["loops"][name] | {"last_error_age_seconds": 0} == {
        "status": "restarting",
        "restarts": 1,
        "last_error": "ConnectionError",
        "last_error_age_seconds": 0,
    }
    assert after.status_code == 200 and after.json()["checks"]["background"]["loops"][name]["status"] == "running"
