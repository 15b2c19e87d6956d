"""A campaign stack of real processes for the delivery fault tests: a fresh database with N farmers, the API
(uvicorn, receiving Twilio's signed status callbacks), the job worker (`python -m kisaan_app worker`, a huey
consumer in its own process group, so a test can kill -9 it) and the provider stand-ins in this process, so
a test can read everything they received (the outbox) and set how flaky they are.

It reuses the bulk-notify bench's farmer setup and campaign (bench/bulk_notify.py): same shape, same figures.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.bulk_notify import CAMPAIGN, COUNTS, SETUP
from bench.common import app_env, drop_database, free_port, fresh_database, stop
from bench.payments import _wait
from sandbox.outbox import Outbox
from sandbox.server import SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parents[2]


def setting(name: str, default: int) -> int:
    """A bound for `make test` (an env var), so the suite stays near its time budget."""
    return int(os.environ.get(name, default))


@dataclass
class CampaignStack:
    recipients: int
    database_url: str
    env: dict[str, str]
    api_url: str
    token: str
    sandbox: SandboxServer
    run_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *cmd: str) -> subprocess.Popen:
        log = open(self.run_dir / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it open
        proc = subprocess.Popen(
            [sys.executable, *cmd], env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        self.processes[name] = proc
        return proc

    def start_worker(self) -> subprocess.Popen:
        return self.start("worker", "-m", "kisaan_app", "worker")

    def kill_worker(self) -> None:
        """kill -9 the worker's whole process group (the CLI and its huey consumer): no cleanup runs."""
        proc = self.processes.pop("worker")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def start_campaign(self) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        answer = httpx.post(f"{self.api_url}/api/notifications/campaigns", json=CAMPAIGN, headers=headers, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def query(self, sql: str, **params: object) -> list[tuple]:
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]
        finally:
            engine.dispose()

    def progress(self, batch_id: str) -> tuple[int, int]:
        """(delivery rows written, rows final: email accepted, SMS delivered per Twilio's callback)."""
        total, final = self.query(COUNTS, batch=batch_id)[0]
        return int(total or 0), int(final or 0)

    def wait_until_final(self, batch_id: str, timeout: float) -> float:
        """Seconds until every row is final (the campaign has 2 rows per farmer); fails loudly after timeout."""
        t0 = time.monotonic()
        expected = 2 * self.recipients
        while (done := self.progress(batch_id)) != (expected, expected):
            for name, proc in self.processes.items():
                assert proc.poll() is None, f"the {name} process died: see {self.run_dir / name}.log"
            assert time.monotonic() - t0 < timeout, f"{done} of {expected} final after {timeout:.0f} s"
            time.sleep(0.5)
        return time.monotonic() - t0

    def received(self, provider: str, kind: str) -> Counter[str]:
        """How many messages each recipient got at a stand-in (SMS by number, email by address)."""
        records = self.sandbox.outbox.list(provider, kind, limit=10**9)
        if provider == "smtp":
            return Counter(to for r in records for to in r.detail["to"])
        return Counter(r.detail["to"] for r in records)

    def rows_by_status(self, batch_id: str) -> dict[tuple[str, str], int]:
        sql = "SELECT channel, status, count(*) FROM notification_history WHERE batch_id = :b GROUP BY channel, status"
        return {(channel, status): n for channel, status, n in self.query(sql, b=batch_id)}


def expected_phones(count: int) -> set[str]:
    return {f"+9191{i:08d}" for i in range(count)}  # as bench/bulk_notify.py's SETUP numbers them


def expected_emails(count: int) -> set[str]:
    return {f"kisan{i}@bench.kisaansay.in" for i in range(count)}


@contextmanager
def campaign_stack(
    recipients: int, env: dict[str, str] | None = None, database: str = "sqlite", **sandbox: object
) -> Iterator[CampaignStack]:
    """Everything up but the worker (the test starts it): `sandbox` goes to SandboxConfig (provider_faults...)."""
    run_dir = Path(tempfile.mkdtemp(prefix="kisaan-faults-"))
    database_url = fresh_database(database, run_dir, "kisaan_faults")
    api_port, sandbox_port, smtp_port = free_port(), free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    stack_env = app_env(database_url, api_url, sandbox_port, smtp_port, run_dir) | {
        "KISAAN_SMS_RATE": "1000000/second",  # the test is about faults, not about the configured limits
        "KISAAN_EMAIL_RATE": "1000000/second",
        "KISAAN_CAMPAIGN_RATE_PER_SENDER": "1000/minute",
        **(env or {}),
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(recipients)], env=stack_env, cwd=ROOT, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    config = SandboxConfig(port=sandbox_port, app_url=api_url, smtp_port=smtp_port, **sandbox)  # type: ignore[arg-type]
    server = SandboxServer(config, Outbox(maxlen=20 * recipients + 1000)).start()
    stack = CampaignStack(
        recipients, database_url, stack_env, api_url, setup.stdout.strip().splitlines()[-1], server, run_dir
    )
    try:
        api = stack.start(
            "api",
            "-m",
            "uvicorn",
            "--factory",
            "kisaan_app.asgi:create_app",
            "--port",
            str(api_port),
            "--log-level",
            "warning",
        )
        _wait(f"{api_url}/api/openapi.json", api)  # /api/health is 503 until a worker beats
        yield stack
    finally:
        for proc in stack.processes.values():
            stop(proc)
        server.stop()
        drop_database(database, database_url)
