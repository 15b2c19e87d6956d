"""The REST API as a real process of its own (uvicorn on a free port), and the people a test needs in its database.

Used by the tests that need a server apart from the test process: two processes sharing a bus
(tests/integration/test_two_processes_redis.py) and the fault tests (tests/faults/), which cut the server off
from Redis or PostgreSQL while it runs.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlmodel import Session

from kisaan_app.db import make_engine
from kisaan_app.models.accounts import Organization
from kisaan_app.services import accounts
from kisaan_app.services.accounts import membership
from tests.factories import META, PASSWORD, next_phone

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def people(database_url: str) -> dict:
    """An FPO with a farmer, and an admin; their API tokens (written straight into the test's database).
    Also the farmer's phone, to sign in with."""
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            org = Organization(name="Nashik FPO", district="Nashik", state="Maharashtra")
            session.add(org)
            session.flush()
            found: dict = {"org": org.id}
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
                    found["farmer_phone"] = user.phone
                user.role = role
                session.add(user)
                session.flush()
                found[role], _ = accounts.open_session(session, user, "api", META)
            session.commit()
            return found
    finally:
        engine.dispose()


@contextmanager
def api_server(
    name: str, database_url: str, redis_url: str | None, logs: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`uvicorn kisaan_app.asgi:create_app` as a process of its own; yields its base URL. `env`: more settings."""
    port = free_port()
    child_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KISAAN_REDIS_URL")}
    child_env |= {
        "KISAAN_ENV": "test",
        "KISAAN_SECRET_KEY": os.environ["KISAAN_SECRET_KEY"],  # tokens made here must verify there
        "DATABASE_URL": database_url,
        **(env or {}),
    }
    if redis_url:
        child_env["REDIS_URL"] = redis_url
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
            env=child_env,
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


def wait_up(bases: list[str], logs: Path) -> None:
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
