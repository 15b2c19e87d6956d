"""Two API server processes sharing one database: a broadcast posted to one reaches an SSE client of the
other — through Redis pub/sub when REDIS_URL is set, through the stored-event follower when it is not."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.factories import bearer, make_org, make_user, token_for
from tests.services import require_redis

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(database_url: str, redis_url: str | None, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"DATABASE_URL": database_url}
    if redis_url:
        env["REDIS_URL"] = redis_url
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "kisaan_app.api:create_api", "--factory", "--port", str(port),
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code in (200, 503):
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _broadcast_crosses_processes(database_url: str, redis_url: str | None, tmp_path: Path) -> None:
    org = make_org("Nashik FPO")
    admin, farmer = make_user("admin"), make_user("farmer", org_id=org)
    admin_token, farmer_token = token_for(admin), token_for(farmer)
    a, base_a = _start(database_url, redis_url, tmp_path / "a.log")
    b, base_b = _start(database_url, redis_url, tmp_path / "b.log")
    try:
        with httpx.Client(timeout=8) as client:
            with client.stream("GET", f"{base_b}/api/events/stream", params={"topics": "system"},
                               headers=bearer(farmer_token)) as response:  # fmt: skip
                assert response.status_code == 200
                lines = response.iter_lines()
                assert next(lines) == ": connected"
                time.sleep(0.5)  # B's subscription (Redis or follower) is up
                sent = client.post(f"{base_a}/api/events/broadcast", json={"message": "from A"},
                                   headers=bearer(admin_token))  # fmt: skip
                assert sent.status_code == 202
                received = []
                for line in lines:
                    received.append(line)
                    if line.startswith("data:"):
                        break
        assert f"id: {sent.json()['event_id']}" in received
        assert any("from A" in line for line in received)
    finally:
        _stop(a)
        _stop(b)


def test_event_published_on_one_process_reaches_a_client_on_another_through_redis(db, tmp_path):
    redis_url = require_redis()
    _broadcast_crosses_processes(db, redis_url, tmp_path)


def test_without_redis_the_follower_carries_events_between_processes(db, tmp_path):
    _broadcast_crosses_processes(db, None, tmp_path)
