"""Two API server processes sharing one database: a broadcast posted to process A reaches SSE clients of
both A and B, each exactly once — through Redis pub/sub when REDIS_URL is set (on PostgreSQL, as in
production), through the stored-event follower when it is not (on a shared SQLite file, the default
local run).

Each test makes and migrates its own database, writes its users there through the services on an engine
of its own, and starts real uvicorn processes on free ports; every wait is bounded.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlmodel import Session

from kisaan_app import migrations
from kisaan_app.db import make_engine
from kisaan_app.models.accounts import Organization
from kisaan_app.services import accounts, membership
from tests.factories import META, PASSWORD, bearer, next_phone
from tests.services import create_pg_database, drop_pg_database, require_redis

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 20
RECEIVE_SECONDS = 8  # generous: the follower polls every 0.5 s, Redis is near-instant


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _people(database_url: str) -> dict:
    """An FPO with a farmer, and an admin; their API tokens (written straight into the test's database)."""
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            org = Organization(name="Nashik FPO", district="Nashik", state="Maharashtra")
            session.add(org)
            session.flush()
            tokens = {}
            for role in ("admin", "farmer"):
                registration = accounts.Registration(
                    full_name=f"Two-process {role}",
                    password=PASSWORD,
                    role="farmer",
                    phone=next_phone(),
                )
                user = accounts.register(session, registration, META)
                if role == "farmer":
                    membership.assign(session, user, org.id)
                user.role = role
                session.add(user)
                session.flush()
                tokens[role], _ = accounts.open_session(session, user, "api", META)
            session.commit()
            return {"org": org.id, **tokens}
    finally:
        engine.dispose()


@contextmanager
def _server(name: str, database_url: str, redis_url: str | None, logs: Path) -> Iterator[str]:
    """`uvicorn kisaan_app.asgi:create_app` as a process of its own; yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KISAAN_REDIS_URL")}
    env |= {
        "KISAAN_ENV": "test",
        "KISAAN_SECRET_KEY": os.environ["KISAAN_SECRET_KEY"],  # tokens made here must verify there
        "DATABASE_URL": database_url,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = logs / f"{name}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
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
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # our own process group (start_new_session above)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _wait_up(bases: list[str], logs: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = list(bases)
    while pending:
        try:
            if httpx.get(f"{pending[0]}/api/health", timeout=1).status_code in (200, 503):
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server_logs = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in logs.glob("*.log"))
            raise AssertionError(f"server(s) {pending} did not start:\n{server_logs}")
        time.sleep(0.1)


class _Frames:
    """SSE events off one open stream: (id, event) pairs; comments and others' events pass by."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200
        self._lines = response.iter_lines()
        assert next(self._lines) == ": connected"  # sent once the process's bus subscription is live

    def until(self, last_id: int) -> list[int]:
        """Ids of the events seen up to and including `last_id`."""
        ids, deadline = [], time.monotonic() + RECEIVE_SECONDS
        for line in self._lines:  # each read bounded by the client's read timeout
            if line.startswith("id: "):
                ids.append(int(line.removeprefix("id: ")))
                if ids[-1] == last_id:
                    return ids
            assert time.monotonic() < deadline, f"event {last_id} did not arrive; saw {ids}"
        raise AssertionError(f"stream ended before event {last_id}; saw {ids}")


def _broadcast_reaches_both_processes_once(database_url: str, redis_url: str | None, logs: Path) -> None:
    migrations.upgrade("head", url=database_url)
    people = _people(database_url)
    with ExitStack() as stack:
        base_a = stack.enter_context(_server("a", database_url, redis_url, logs))
        base_b = stack.enter_context(_server("b", database_url, redis_url, logs))
        _wait_up([base_a, base_b], logs)
        client = stack.enter_context(httpx.Client(timeout=RECEIVE_SECONDS))
        streams = [
            _Frames(
                stack.enter_context(
                    client.stream(
                        "GET",
                        f"{base}/api/events/stream",
                        params={"topics": "system"},
                        headers=bearer(people["farmer"]),
                    )
                )
            )
            for base in (base_a, base_b)
        ]
        sent = []
        for message in ("from A, first", "from A, second"):
            response = client.post(
                f"{base_a}/api/events/broadcast",
                json={"message": message, "organization_id": people["org"]},
                headers=bearer(people["admin"]),
            )
            assert response.status_code == 202, response.text
            sent.append(response.json()["event_id"])
        for where, frames in zip("AB", streams, strict=True):
            # Another suite run may share this Redis: only our own ids count.
            ours = [i for i in frames.until(sent[-1]) if i in sent]
            assert ours == sent, f"process {where} delivered {ours}, expected each of {sent} once"


def test_redis_carries_a_broadcast_from_one_process_to_clients_of_both(tmp_path):
    redis_url = require_redis()
    database_url = create_pg_database("kisaan_two_proc")
    try:
        _broadcast_reaches_both_processes_once(database_url, redis_url, tmp_path)
    finally:
        drop_pg_database(database_url)


def test_without_redis_the_follower_carries_it_through_a_shared_sqlite_file(tmp_path):
    _broadcast_reaches_both_processes_once(f"sqlite:///{tmp_path / 'shared.db'}", None, tmp_path)


def test_a_logout_in_one_process_closes_the_stream_in_the_other_at_once(tmp_path):
    """The sign-in change travels on the bus (services/sign_in_events.py): process B ends the stream when it
    hears it, not at its next heartbeat (15 s)."""
    redis_url = require_redis()
    database_url = create_pg_database("kisaan_two_proc")
    try:
        migrations.upgrade("head", url=database_url)
        people = _people(database_url)
        with ExitStack() as stack:
            base_a = stack.enter_context(_server("a", database_url, redis_url, tmp_path))
            base_b = stack.enter_context(_server("b", database_url, redis_url, tmp_path))
            _wait_up([base_a, base_b], tmp_path)
            client = stack.enter_context(httpx.Client(timeout=RECEIVE_SECONDS))
            farmer = bearer(people["farmer"])
            response = stack.enter_context(
                client.stream("GET", f"{base_b}/api/events/stream", params={"topics": "system"}, headers=farmer)
            )
            frames = _Frames(response)
            started = time.monotonic()
            assert client.post(f"{base_a}/api/auth/logout", headers=farmer).status_code in (200, 204)
            lines = list(frames._lines)  # until process B hangs up; each read bounded by the client's timeout
            assert "event: revoked" in lines
            assert time.monotonic() - started < 5, "closed by the heartbeat, not by the sign-in event"
    finally:
        drop_pg_database(database_url)
