"""Bulk notification benchmark: one campaign to N farmers on SMS and email, through the stand-ins.

    .venv/bin/python bench/bulk_notify.py                       # 10,000 farmers x (SMS + email), SQLite
    .venv/bin/python bench/bulk_notify.py --recipients 1000 --workers 4 --database postgresql

It starts the provider sandbox, the API (uvicorn, receiving Twilio's signed status callbacks) and a huey
worker on a fresh database with N farmers in one district, then an admin POSTs one campaign
(/api/notifications/campaigns, channels sms + email). Printed: the request time (it must not grow with N),
the time until every delivery row is written and enqueued, deliveries per second until every row is final
(email accepted by SMTP, SMS delivered per Twilio's callback), p50/p99 latency per delivery (row written →
final), peak RSS of the worker and the API; and, measured in the same run, the baseline: the bare Twilio SDK
and bare aiosmtplib sending to the same stand-ins one at a time. Send rate limits are lifted for the run.
"""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import (  # noqa: E402
    app_env,
    drop_database,
    free_port,
    fresh_database,
    percentile,
    stop,
    tree_usage,
)
from bench.payments import _wait  # noqa: E402

SETUP = """
import sys
import sqlalchemy as sa
import kisaan_app.tasks  # noqa: F401 - registers the named jobs services enqueue in this process
from kisaan_app import migrations
from kisaan_app.db import get_engine, session_scope
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.base import utcnow
from kisaan_app.services import accounts
from kisaan_app.services.context import RequestMeta
migrations.upgrade()
count = int(sys.argv[1])
meta = RequestMeta(ip="127.0.0.1", user_agent="bench")
with session_scope() as s:
    admin = accounts.register(s, accounts.Registration(full_name="Bench Admin", password="bench-pass-1",
                              phone="+919700000000"), meta)
    admin.role = "admin"
    s.flush()
    token = accounts.open_session(s, admin, "api", meta)[0]
# Farmers are inserted in bulk: registering 10,000 people one by one would time the password hasher.
now = dict(created_at=utcnow(), updated_at=utcnow())
with get_engine().begin() as conn:
    conn.execute(sa.insert(User.__table__), [
        dict(full_name=f"Kisan {i}", phone=f"+9191{i:08d}", email=f"kisan{i}@bench.kisaansay.in", password_hash="!",
             role="farmer", preferred_language="hi" if i % 2 else "en", is_active=True, **now)
        for i in range(count)])
    ids = conn.execute(sa.select(User.__table__.c.id).where(User.__table__.c.password_hash == "!")).scalars().all()
    conn.execute(sa.insert(FarmerProfile.__table__),
                 [dict(user_id=i, district="Nashik", crops=["Onion"], **now) for i in ids])
print(token)
"""

COUNTS = """
SELECT count(*) AS total,
       sum(CASE WHEN (channel = 'email' AND status IN ('sent', 'failed'))
                  OR (channel = 'sms' AND status IN ('delivered', 'undelivered', 'failed')) THEN 1 ELSE 0 END) AS final
FROM notification_history WHERE batch_id = :batch
"""
CAMPAIGN = {
    "district": "Nashik",
    "channels": ["sms", "email"],
    "category": "payments",  # the category whose default channels include SMS and email
    "subject": "Mandi update",
    "text": "{{ name }}: onion ₹2,150/qtl at Lasalgaon today.",
}


class Peak:
    """Samples the RSS of some process trees every 0.2 s and keeps the largest seen."""

    def __init__(self, **procs: subprocess.Popen) -> None:
        self.procs, self.peak = procs, dict.fromkeys(procs, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for name, proc in self.procs.items():
                self.peak[name] = max(self.peak[name], tree_usage(proc.pid)[1])

    def __enter__(self) -> "Peak":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


def _baseline_sms(sandbox_port: int, n: int) -> list[float]:
    from twilio.rest import Client

    from kisaan_app.providers.sandbox_keys import SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN
    from kisaan_app.providers.twilio_http import TwilioEndpointHttpClient

    client = Client(
        SANDBOX_TWILIO_ACCOUNT_SID,
        SANDBOX_TWILIO_AUTH_TOKEN,
        http_client=TwilioEndpointHttpClient(f"http://127.0.0.1:{sandbox_port}", timeout=10),
    )
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        client.messages.create(to=f"+9190{i:08d}", from_="+15005550006", body="baseline मंडी भाव")
        times.append(time.perf_counter() - t0)
    return times


def _baseline_email(smtp_port: int, n: int) -> list[float]:
    import aiosmtplib

    async def run() -> list[float]:
        times = []
        for i in range(n):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "bench@kisaansay.test", f"base{i}@bench.test", "baseline"
            msg.set_content("baseline")
            msg.add_alternative("<p>baseline</p>", subtype="html")
            t0 = time.perf_counter()
            await aiosmtplib.send(msg, hostname="127.0.0.1", port=smtp_port, timeout=10)
            times.append(time.perf_counter() - t0)
        return times

    return asyncio.run(run())


def _query(database_url: str, sql: str, **params):
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    engine.dispose()
    return rows


def _latencies_ms(database_url: str, batch: str) -> list[float]:
    """Row written → final, per delivery (SMS: Twilio's delivered callback; email: accepted by SMTP)."""
    from sqlmodel import Session, select

    from kisaan_app.db import make_engine
    from kisaan_app.models.notifications import NotificationHistory as Row

    engine = make_engine(database_url)  # the model's column types give aware datetimes on both databases
    with Session(engine) as session:
        rows = session.exec(
            select(Row.channel, Row.created_at, Row.sent_at, Row.delivered_at).where(Row.batch_id == batch)
        )
        ends = [(created, delivered if channel == "sms" else sent) for channel, created, sent, delivered in rows]
    engine.dispose()
    return [(end - created).total_seconds() * 1000 for created, end in ends if end is not None]


def _rates(label: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"{label}: {len(times) / sum(times):.0f}/s one at a time, p50 {percentile(ms, 50):.1f} ms "
        f"p99 {percentile(ms, 99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="huey worker threads")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    run_dir = Path(tempfile.mkdtemp(prefix="kisaan-bench-notify-"))
    database_url = fresh_database(args.database, run_dir, "kisaan_bench_notify")
    api_port, sandbox_port, smtp_port = free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    env = app_env(database_url, api, sandbox_port, smtp_port, run_dir) | {
        "KISAAN_SMS_RATE": "1000000/second",  # the bench measures the pipeline, not the configured limits
        "KISAAN_EMAIL_RATE": "1000000/second",
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.recipients)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    token = setup.stdout.strip().splitlines()[-1]

    def start(*cmd: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *cmd], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True
        )

    sandbox = start("-m", "sandbox")
    server = start(
        "-m", "uvicorn", "--factory", "kisaan_app.asgi:create_app", "--port", str(api_port), "--log-level", "warning"
    )
    worker = start(
        "-m",
        "huey.bin.huey_consumer",
        "kisaan_app.tasks.huey",
        "-w",
        str(args.workers),
        "-k",
        "thread",
        "-m",
        "1",
        "-l",
        str(run_dir / "huey.log"),
    )
    try:
        _wait(f"http://127.0.0.1:{sandbox_port}/health", sandbox)
        _wait(f"{api}/api/health", server)
        sms_base = _baseline_sms(sandbox_port, 100)
        email_base = _baseline_email(smtp_port, 100)
        headers = {"Authorization": f"Bearer {token}"}
        cpu0 = {
            name: tree_usage(proc.pid)[0] for name, proc in (("worker", worker), ("api", server), ("sandbox", sandbox))
        }
        with Peak(worker=worker, api=server) as peak, httpx.Client(timeout=60) as http:
            t0 = time.perf_counter()
            answer = http.post(f"{api}/api/notifications/campaigns", json=CAMPAIGN, headers=headers)
            answer.raise_for_status()
            request_s = time.perf_counter() - t0
            campaign = answer.json()
            written_s = final = total = None
            expected = 2 * args.recipients
            while time.perf_counter() - t0 < args.timeout:
                progress = http.get(f"{api}/api/notifications/campaigns/{campaign['id']}", headers=headers).json()
                if written_s is None and progress["status"] == "written":
                    written_s = time.perf_counter() - t0
                total, final = _query(database_url, COUNTS, batch=campaign["batch_id"])[0]
                if total == expected and final == expected:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - t0
        cpu = {
            name: tree_usage(proc.pid)[0] - cpu0[name]
            for name, proc in (("worker", worker), ("api", server), ("sandbox", sandbox))
        }
        latencies = _latencies_ms(database_url, campaign["batch_id"])
    finally:
        for proc in (worker, server, sandbox):
            stop(proc)
        drop_database(args.database, database_url)
    print(
        f"\nbulk notify bench — {args.recipients} farmers x (SMS + email), {args.workers} worker threads, "
        f"{args.database}"
    )
    print(
        f"  campaign request: {request_s * 1000:.0f} ms; all {total} rows written and enqueued after "
        f"{written_s or float('nan'):.1f} s"
    )
    print(
        f"  final ({final}/{expected}: email accepted, SMS delivered per callback) after {elapsed:.1f} s → "
        f"{(final or 0) / elapsed:.0f} deliveries/s"
    )
    print(
        f"  per delivery (row written → final): p50 {percentile(latencies, 50) / 1000:.1f} s  "
        f"p99 {percentile(latencies, 99) / 1000:.1f} s"
    )
    print(
        f"  peak RSS: worker {peak.peak['worker']:.0f} MB, API {peak.peak['api']:.0f} MB; CPU seconds: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
    )
    print("  baseline, same run:")
    print("    " + _rates("bare Twilio SDK messages.create at the stand-in", sms_base))
    print("    " + _rates("bare aiosmtplib.send to the SMTP stand-in", email_base))


if __name__ == "__main__":
    main()
