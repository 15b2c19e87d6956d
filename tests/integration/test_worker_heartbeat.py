"""The real job worker (huey's consumer, as `python -m kisaan_app worker` runs it) makes /api/health 200 by
itself, and once it is killed health turns 503 when the heartbeat passes its age limit."""

import os
import subprocess
import sys
import time

import pytest
from huey import SqliteHuey

from kisaan_app.services import health as system_health
from kisaan_app.settings import PROJECT_ROOT, get_settings

MAX_AGE = 10  # the smallest limit the setting allows: the test waits this long after the kill


def _wait_for(api, status: int, within: float) -> dict:
    deadline = time.monotonic() + within
    while True:
        res = api.get("/api/health")
        if res.status_code == status or time.monotonic() > deadline:
            assert res.status_code == status, res.json()
            return res.json()
        time.sleep(0.5)


@pytest.fixture
def worker_queue(tmp_path, monkeypatch, database):
    """A queue file of its own, so the worker runs nothing the rest of the suite left queued."""
    path = tmp_path / "worker-huey.db"
    monkeypatch.setattr(system_health, "huey", SqliteHuey("kisaansay", filename=str(path)))
    monkeypatch.setattr(get_settings(), "worker_heartbeat_max_age_seconds", MAX_AGE)
    env = {**os.environ, "KISAAN_HUEY_PATH": str(path), "DATABASE_URL": database, "KISAAN_DEMO_PRICE_TICKS": "false"}
    command = [sys.executable, "-m", "huey.bin.huey_consumer", "kisaan_app.tasks.huey", "-w", "1", "-m", "1"]
    with open(tmp_path / "worker.log", "wb") as log:  # read it when the test fails
        worker = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
        yield worker
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)


def test_a_running_worker_keeps_health_green_and_a_killed_one_turns_it_503(api, worker_queue):
    body = _wait_for(api, 200, within=30)  # the consumer's startup hook writes the first heartbeat
    assert body["checks"]["worker"]["heartbeat_age_seconds"] < MAX_AGE
    worker_queue.kill()  # kill -9: no goodbye written anywhere
    worker_queue.wait(timeout=10)
    body = _wait_for(api, 503, within=MAX_AGE + 10)
    assert body["checks"]["worker"]["status"] == "down"
    assert body["checks"]["worker"]["heartbeat_age_seconds"] > MAX_AGE
