"""The supervisor every background loop runs under, and the breaker-guarded queue live events wait in for Redis."""

import asyncio
import logging
import threading
import time
import uuid

import pybreaker
import pytest

from kisaan_app import breakers, supervision
from kisaan_app.realtime.events import ALL, Event
from kisaan_app.realtime.publish_queue import PublishQueue
from tests.asyncio_thread import run_async


def test_a_loop_that_raises_is_logged_and_restarted_with_growing_backoff(caplog):
    name = f"test-loop-{uuid.uuid4().hex[:6]}"
    starts: list[float] = []

    async def flaky():
        starts.append(time.monotonic())
        if len(starts) <= 3:
            raise RuntimeError(f"crash {len(starts)}")
        # the fourth run finishes its work: the supervisor returns

    with caplog.at_level(logging.ERROR, logger="kisaan_app.supervision"):
        run_async(supervision.supervise(name, flaky, first_backoff=0.05, max_backoff=0.15))

    assert len(starts) == 4
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    # 0.05, then doubled, then capped: a sleep is never shorter than asked (no upper bound: the machine is busy)
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.15, gaps
    crashes = [r for r in caplog.records if name in r.getMessage()]
    assert len(crashes) == 3 and all(r.exc_info and "RuntimeError" in r.getMessage() for r in crashes)
    assert "restarting in 0.1s" in crashes[1].getMessage()
    state = supervision.loops()[name]
    assert state["restarts"] == 3 and state["last_error"] == "RuntimeError" and state["status"] == "stopped"


def test_a_crashed_loop_shows_restarting_until_it_runs_again_and_cancelling_stops_it():
    name = f"test-loop-{uuid.uuid4().hex[:6]}"
    runs = 0

    async def scenario():
        nonlocal runs

        async def dies_then_runs_forever():
            nonlocal runs
            runs += 1
            if runs == 1:
                raise ConnectionError("redis went away")
            await asyncio.Event().wait()

        task = asyncio.create_task(supervision.supervise(name, dies_then_runs_forever, first_backoff=0.3))
        await asyncio.sleep(0.1)
        seen = [supervision.loops()[name]["status"]]  # waiting out its backoff
        while runs < 2:
            await asyncio.sleep(0.05)
        seen.append(supervision.loops()[name]["status"])
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        seen.append(supervision.loops()[name]["status"])
        return seen

    assert run_async(scenario()) == ["restarting", "running", "stopped"]


def _breaker(fail_max: int = 2, reset: float = 0.3) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset, name=f"test-{uuid.uuid4().hex[:6]}")


def test_publishing_never_waits_and_events_go_out_in_order_once_redis_answers_again():
    """A send that hangs then fails (a black-holed Redis): put() returns at once, the breaker opens after two
    failures so the sender stops trying every event, and a half-open probe that succeeds sends the backlog in
    order."""
    sent: list[int] = []
    redis_back = threading.Event()
    tries = 0

    def send(event: Event) -> None:
        nonlocal tries
        tries += 1
        if not redis_back.is_set():
            time.sleep(0.2)  # the socket timeout
            raise ConnectionError("no answer")
        sent.append(event.id)

    guard = _breaker()
    queue = PublishQueue(send, guard, size=100)
    try:
        started = time.monotonic()
        for n in range(1, 21):
            queue.put(Event(ALL, "system", {}, id=n))
        putting = time.monotonic() - started
        deadline = time.monotonic() + 10
        while guard.current_state != pybreaker.STATE_OPEN:
            assert time.monotonic() < deadline, "the breaker never opened"
            time.sleep(0.02)
        assert queue.depth() == 20 and sent == []
        tries_when_open = tries
        time.sleep(0.2)
        assert tries == tries_when_open, "an open breaker still let sends through"
        redis_back.set()
        while len(sent) < 20:
            assert time.monotonic() < deadline, f"backlog not sent: {sent}"
            time.sleep(0.02)
        assert sent == list(range(1, 21)) and queue.depth() == 0
        assert guard.current_state == pybreaker.STATE_CLOSED
        print(f"20 puts took {putting * 1000:.2f} ms in all while Redis hung")
    finally:
        queue.close()


def test_a_full_queue_pushes_out_the_oldest_and_counts_them():
    stuck = threading.Event()
    queue = PublishQueue(lambda event: stuck.wait(), _breaker(), size=3)
    try:
        for n in range(1, 7):
            queue.put(Event(ALL, "system", {}, id=n))
        assert queue.depth() <= 3 and queue.dropped >= 3  # the first may already be in the sender's hands
    finally:
        stuck.set()
        queue.close()


def test_breaker_states_read_half_open_once_the_wait_is_over(monkeypatch):
    from kisaan_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "redis_breaker_failures", 1)
    monkeypatch.setattr(get_settings(), "redis_breaker_reset_seconds", 0.2)
    monkeypatch.setattr(get_settings(), "redis_url", f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}")
    breakers.reset_breakers()
    name = breakers.redis_name("bus", get_settings().redis_url)
    assert name == "redis-bus"  # the configured Redis: no digest in the name
    guard = breakers.breaker(name)

    def fails():
        raise OSError("refused")

    try:
        with pytest.raises(pybreaker.CircuitBreakerError):
            guard.call(fails)
        assert breakers.states()[name] == "open"
        time.sleep(0.25)
        assert breakers.states()[name] == "half-open"  # the next call is the probe
        assert guard.call(lambda: 1) == 1 and breakers.states()[name] == "closed"
        assert breakers.redis_name("bus", "redis://elsewhere:6379/0").startswith("redis-bus-")  # another Redis
    finally:
        breakers.reset_breakers()  # made with this test's settings: no other test may get it


def test_a_child_process_that_dies_is_started_again_with_backoff_until_stopped(tmp_path, caplog):
    """What `serve` does for the job worker: a worker that exits (crash, OOM kill) comes back; stop() ends it."""
    import subprocess
    import sys

    starts = tmp_path / "starts"
    # Each start notes itself; the first two die at once, the third stays up like a healthy worker.
    script = (
        "import pathlib, sys, time\n"
        f"p = pathlib.Path({str(starts)!r}); n = len(p.read_text().splitlines()) if p.exists() else 0\n"
        "p.open('a').write(f'{time.monotonic()}\\n')\n"
        "sys.exit(3) if n < 2 else time.sleep(60)\n"
    )
    name = f"test-worker-{uuid.uuid4().hex[:6]}"
    kept = supervision.KeptProcess(
        name, lambda: subprocess.Popen([sys.executable, "-c", script]), first_backoff=0.1, max_backoff=1.0
    )
    with caplog.at_level(logging.ERROR, logger="kisaan_app.supervision"):
        kept.start()
        deadline = time.monotonic() + 30
        while not (starts.exists() and len(starts.read_text().splitlines()) == 3):
            assert time.monotonic() < deadline, "not restarted"
            time.sleep(0.05)
        while supervision.loops()[name]["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        running = kept.proc
        kept.stop()
        kept.wait(timeout=10)
    times = [float(t) for t in starts.read_text().split()]
    assert times[1] - times[0] >= 0.1 and times[2] - times[1] >= 0.2, times  # the pause doubles
    assert running.poll() is not None and len(starts.read_text().split()) == 3  # stopped, and not started again
    assert [r.getMessage() for r in caplog.records if name in r.getMessage()] == [
        f"{name} exited with code 3; restarting in 0.1s",
        f"{name} exited with code 3; restarting in 0.2s",
    ]
    assert supervision.loops()[name] | {"last_error_age_seconds": None} == {
        "status": "stopped",
        "restarts": 2,
        "last_error": "exit 3",
        "last_error_age_seconds": None,
    }


def test_the_web_process_runs_live_delivery_and_the_gc_timer_under_the_supervisor(db):
    """The Reflex app's lifespan tasks, started as Reflex starts them: both show up as running loops."""
    import gc

    from kisaan_app.kisaan_app import app, collect_garbage_on_a_timer, deliver_live_events
    from kisaan_app.realtime.bus import reset_bus

    reset_bus()
    thresholds = gc.get_threshold()

    async def scenario():
        tasks = [asyncio.create_task(deliver_live_events(app)), asyncio.create_task(collect_garbage_on_a_timer())]
        await asyncio.sleep(0.3)
        seen = {name: supervision.loops()[name]["status"] for name in ("live-delivery", "gc-timer")}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return seen

    try:
        assert run_async(scenario()) == {"live-delivery": "running", "gc-timer": "running"}
        assert supervision.loops()["live-delivery"]["status"] == "stopped"
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        reset_bus()
