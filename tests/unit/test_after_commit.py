"""One after-commit hook (db.on_commit) for live events and jobs; jobs are enqueued by name, checked at once."""

import logging
import re
from pathlib import Path

import pytest

from kisaan_app import jobs
from kisaan_app.db import on_commit, session_scope
from kisaan_app.realtime import ALL, publish_on_commit
from kisaan_app.realtime.bus import get_bus

SERVICES = Path(__file__).resolve().parents[2] / "kisaan_app" / "services"


class Boom(Exception):
    pass


@pytest.fixture
def recorded(monkeypatch):
    """A job named "test.record" that notes its calls, and every event the bus publishes from now on."""
    calls: list[tuple] = []
    monkeypatch.setitem(jobs._registry, "test.record", lambda *args, **kwargs: calls.append(("job", args, kwargs)))
    bus = get_bus()
    real_publish = bus.publish
    monkeypatch.setattr(bus, "publish", lambda event: (calls.append(("event", event.payload)), real_publish(event)))
    return calls


def test_callbacks_run_after_commit_in_order(db):
    seen: list[tuple] = []
    with session_scope() as session:
        on_commit(session, lambda *a, **kw: seen.append((a, kw)), 1, 2, key="x")
        on_commit(session, lambda: seen.append("second"))
        assert seen == []  # nothing before COMMIT
    assert seen == [((1, 2), {"key": "x"}), "second"]


def test_callbacks_are_dropped_on_rollback(db):
    seen: list[str] = []
    with pytest.raises(Boom), session_scope() as session:
        on_commit(session, seen.append, "never")
        raise Boom
    with session_scope() as session:  # and the next transaction on a fresh session starts clean
        on_commit(session, seen.append, "kept")
    assert seen == ["kept"]


def test_a_failing_callback_is_logged_and_the_others_still_run(db, caplog):
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("queue down")

    with caplog.at_level(logging.ERROR, logger="kisaan_app.db"), session_scope() as session:
        on_commit(session, broken)
        on_commit(session, seen.append, "after")
    assert seen == ["after"]
    assert "after-commit callback" in caplog.text and "queue down" in caplog.text


def test_events_and_jobs_leave_through_the_same_hook(db, recorded):
    with session_scope() as session:
        publish_on_commit(session, ALL, "system", {"n": 1})
        jobs.enqueue_on_commit(session, "test.record", 7, why="x")
        publish_on_commit(session, ALL, "system", {"n": 2})
        assert recorded == []
    assert recorded == [("event", {"n": 1}), ("job", (7,), {"why": "x"}), ("event", {"n": 2})]

    with pytest.raises(Boom), session_scope() as session:
        publish_on_commit(session, ALL, "system", {"n": "rolled back"})
        jobs.enqueue_on_commit(session, "test.record", "rolled back")
        raise Boom
    assert len(recorded) == 3


def test_an_unknown_job_name_fails_at_once_inside_the_transaction(db, recorded):
    with pytest.raises(jobs.UnknownJob, match="no job named 'notifications.delivr'"), session_scope() as session:
        publish_on_commit(session, ALL, "system", {"n": "with the typo"})
        jobs.enqueue_on_commit(session, "notifications.delivr", [1])
    assert recorded == []  # the error rolled the transaction back: its event never went out
    with pytest.raises(jobs.UnknownJob):
        jobs.enqueue("nothing.here")


def test_two_jobs_may_not_share_a_name(monkeypatch):
    monkeypatch.setitem(jobs._registry, "test.once", print)
    with pytest.raises(ValueError, match="two jobs are named 'test.once'"):
        jobs.job("test.once")(len)
    assert jobs.job("test.once")(print) is print  # registering the same function again is harmless


def test_every_job_name_a_service_uses_is_registered_by_the_tasks_package():
    used = {
        name
        for path in SERVICES.rglob("*.py")
        for name in re.findall(r'enqueue_on_commit\(\s*\w+,\s*"([^"]+)"', path.read_text())
    }
    assert used, "the pattern found no enqueue_on_commit calls: update it with the calling convention"
    assert used <= set(jobs.registered()), sorted(used - set(jobs.registered()))


def test_a_named_job_reaches_the_huey_queue_only_after_commit(db):
    def queued() -> int:
        return sum(1 for task in jobs.huey.pending() if task.name == "notify_weather_alert" and task.args == (-1,))

    with session_scope() as session:
        jobs.enqueue_on_commit(session, "weather.send_alert", -1)
        assert queued() == 0
    assert queued() == 1
    jobs.huey.flush()  # nothing consumes the run's queue: leave it empty
