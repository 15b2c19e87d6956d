"""Scale-out on one machine: two web nodes (the API, as `uvicorn kisaan_app.asgi`) on their own ports behind
nginx (deploy/nginx's locations), PostgreSQL, Redis, the provider stand-ins and two job workers.

- A farmer's live stream through the proxy lands on node A; an alert an admin issues through node B reaches it.
- Node A stops: the stream reconnects through the same proxy to node B with the same sign-in and Last-Event-ID,
  and catches up on the alert issued while it was away.
- Two worker processes share the queue: 40 SMS jobs, each run by exactly one of them, each message sent once.

The proxy here lists B as a backup of A, so "through A" is certain; failing over is the same proxy_next_upstream
rule the compose proxy uses. (The Reflex page's socket over the same proxy is not driven here: see notes.)
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, func, select

from kisaan_app import migrations
from kisaan_app.db import make_engine
from kisaan_app.models.notifications import NotificationHistory
from tests.api_process import free_port as _free_port
from tests.api_process import people as _people
from tests.api_process import wait_up as _wait_up
from tests.integration.test_two_processes_redis import _Frames
from tests.ops.test_deploy_files import DEPLOY, proxy_config
from tests.services import create_pg_database, drop_pg_database, require_redis, unavailable

pytestmark = pytest.mark.multinode
ROOT = Path(__file__).resolve().parents[2]
SMS_JOBS = 40
WAIT_SECONDS = 60


@contextmanager
def _process(name: str, args: list[str], env: dict[str, str], logs: Path):
    with open(logs / f"{name}.log", "w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # our own process group (start_new_session above)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _node(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "kisaan_app.asgi:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def _wait_until(check, what: str, logs: Path, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(logs.glob("*.log")))
    raise AssertionError(f"{what} did not happen in {timeout}s\n{tails}")


def _rest_of(frames: _Frames) -> list[str]:
    """What the stream still gives until the proxy ends it (cleanly or mid-chunk: A died)."""
    lines = []
    try:
        for line in frames._lines:
            lines.append(line)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        pass
    return lines


def _broadcast(client: httpx.Client, base: str, people: dict, message: str) -> int:
    answer = client.post(
        f"{base}/api/events/broadcast",
        json={"message": message, "organization_id": people["org"]},
        headers={"Authorization": f"Bearer {people['admin']}"},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["event_id"]


def test_two_nodes_behind_nginx_with_two_workers(tmp_path):
    nginx = shutil.which("nginx")
    if not nginx:
        unavailable("nginx (`make test` installs Debian's nginx-light)", FileNotFoundError("nginx"))
    redis_url = require_redis()
    database_url = create_pg_database("kisaan_multinode")
    port_a, port_b, proxy_port, sandbox_port = (_free_port() for _ in range(4))
    proxy = f"http://127.0.0.1:{proxy_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KISAAN_") and k not in ("REDIS_URL",)}
    env |= {
        "KISAAN_ENV": "test",
        "KISAAN_SECRET_KEY": os.environ["KISAAN_SECRET_KEY"],  # tokens made here must verify on both nodes
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # This run's queue, bus and limits only, on a shared Redis: a killed node's open stream stays counted
        # against its user for an hour (services/stream_limits.py), and user ids repeat across test databases.
        "KISAAN_REDIS_PREFIX": f"kisaansay-multinode-{uuid.uuid4().hex[:8]}",
        "KISAAN_PUBLIC_URL": proxy,  # Twilio's status callbacks come back through the proxy
        "KISAAN_SANDBOX_PORT": str(sandbox_port),
        "KISAAN_SANDBOX_SMTP_PORT": str(_free_port()),
        "KISAAN_SMS_RATE": "1000/second",
        "KISAAN_LOG_FORMAT": "json",
        "KISAAN_LOG_LEVEL": "INFO",
    }
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    shutil.copy(DEPLOY / "nginx" / "kisaansay-locations.conf", nginx_dir)
    config = proxy_config(nginx_dir, proxy_port, [port_a, port_b])
    # B takes over when A fails (see the module's note); the locations are the deployed ones.
    # A is never marked down for a slow answer while it lives (max_fails=0), so the first stream is A's.
    config = config.replace(
        f"server 127.0.0.1:{port_a} max_fails=1 fail_timeout=10s;", f"server 127.0.0.1:{port_a} max_fails=0;"
    ).replace(f"server 127.0.0.1:{port_b} max_fails=1 fail_timeout=10s;", f"server 127.0.0.1:{port_b} backup;")
    (nginx_dir / "nginx.conf").write_text(config)
    try:
        migrations.upgrade("head", url=database_url)
        people = _people(database_url)
        with ExitStack() as stack:
            stack.enter_context(_process("sandbox", [sys.executable, "-m", "sandbox"], env, tmp_path))
            node_a = stack.enter_context(_process("node-a", _node(port_a), env, tmp_path))
            stack.enter_context(_process("node-b", _node(port_b), env, tmp_path))
            stack.enter_context(
                _process("nginx", [nginx, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")], env, tmp_path)
            )
            base_a, base_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
            _wait_up([base_a, base_b, proxy], tmp_path)
            client = stack.enter_context(httpx.Client(timeout=10))

            # 1. Through the proxy to A; the alert goes in through B.
            farmer = {"Authorization": f"Bearer {people['farmer']}"}
            url = f"{proxy}/api/events/stream"
            with client.stream("GET", url, params={"topics": "system"}, headers=farmer) as response:
                frames = _Frames(response)
                first = _broadcast(client, base_b, people, "Hail warning for Nashik tonight")
                assert [i for i in frames.until(first) if i == first] == [first]

                # 2. A stops with the farmer connected; an alert is issued while the stream is down.
                os.killpg(node_a.pid, signal.SIGKILL)  # the machine is gone: no goodbye to anyone
                node_a.wait(timeout=10)
                second = _broadcast(client, base_b, people, "Hail warning: cover the onion stock")
                lines = _rest_of(frames)
            assert f"id: {second}" not in lines

            # 3. The farmer's client reconnects through the same proxy, same sign-in, with the last id it saw.
            back = {**farmer, "Last-Event-ID": str(first)}
            with client.stream("GET", url, params={"topics": "system"}, headers=back) as response:
                assert response.status_code == 200, "the sign-in made on A did not hold on B"
                caught_up = [i for i in _Frames(response).until(second) if i in (first, second)]
            assert caught_up == [second]

            # 4. Two workers, 40 SMS jobs queued through B: each job runs once, each message goes out once.
            workers = [
                stack.enter_context(
                    _process(f"worker-{n}", [sys.executable, "-m", "kisaan_app", "worker"], env, tmp_path)
                )
                for n in (1, 2)
            ]
            admin = {"Authorization": f"Bearer {people['admin']}"}
            farmer_id = client.get(f"{proxy}/api/users/me", headers=farmer).json()["user_id"]
            for n in range(SMS_JOBS):
                sent = client.post(
                    f"{base_b}/api/notifications/sms/send",
                    headers=admin,
                    json={
                        "user_ids": [farmer_id],
                        "category": "weather",
                        "text": f"Mandi update {n}",
                        "idempotency_key": f"multinode-{n}",
                    },
                )
                assert sent.status_code == 201 and sent.json()["deliveries"] == {"sms": 1}, sent.text
            engine = make_engine(database_url)
            stack.callback(engine.dispose)

            def all_final() -> bool:
                with Session(engine) as session:
                    waiting = (
                        select(func.count())
                        .select_from(NotificationHistory)
                        .where(
                            NotificationHistory.channel == "sms",
                            col(NotificationHistory.status).in_(("pending", "queued")),
                        )
                    )
                    return session.exec(waiting).one() == 0

            _wait_until(all_final, "every SMS sent", tmp_path)
            with Session(engine) as session:
                rows = session.exec(select(NotificationHistory).where(NotificationHistory.channel == "sms")).all()
            assert len(rows) == SMS_JOBS and all(r.attempts == 1 for r in rows), [(r.id, r.attempts) for r in rows]
            outbox = httpx.get(f"http://127.0.0.1:{sandbox_port}/outbox", params={"provider": "twilio", "limit": 1000})
            bodies = [m for m in outbox.json() if "Mandi update" in str(m)]
            assert len(bodies) == SMS_JOBS, f"Twilio received {len(bodies)} messages for {SMS_JOBS} jobs"
            ran = {}
            for worker in (1, 2):
                text = (tmp_path / f"worker-{worker}.log").read_text()
                ran[worker] = set(
                    re.findall(r"Executing kisaan_app\.tasks\.notifications\.deliver_batch: ([0-9a-f-]{36})", text)
                )
            assert not ran[1] & ran[2], "a job ran in both workers"
            assert len(ran[1] | ran[2]) == SMS_JOBS
            print(f"jobs per worker: {len(ran[1])} + {len(ran[2])}")
            assert all(w.poll() is None for w in workers)
    finally:
        drop_pg_database(database_url)
