"""Payments benchmark: end-to-end payments per second through the Razorpay stand-in.

    .venv/bin/python bench/payments.py                    # 300 payments, 8 at a time, SQLite
    .venv/bin/python bench/payments.py --payments 500 --concurrency 16 --database postgresql

It starts the provider sandbox and the API (uvicorn, one worker) on free ports with a fresh database, makes
buyers with unpaid orders, then for every order runs what a buyer's browser and Razorpay do:
create (POST /api/payments/create, through the official SDK to the stand-in) → sandbox checkout → verify
(POST /api/payments/verify) → the stand-in's signed webhooks (payment.authorized, payment.captured,
order.paid) land and are processed. Printed: payments per second and per minute until the last webhook
was stored, p50/p95/p99 of create and of the whole flow, server CPU and RSS; and, measured in the same
run, the baseline: the bare SDK creating orders at the stand-in (what our create adds on top of it) and
the seed's bar (100 payments per minute, 2 s per order creation). Rate limits are raised for the run
(5 per 5 minutes per user and IP in production would stop a benchmark at the sixth payment).
"""

import argparse
import concurrent.futures
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from html import unescape
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import free_port, percentile, stop, tree_usage  # noqa: E402

SEED_BAR_PER_MINUTE, SEED_BAR_CREATE_S = 100, 2.0
_FIELD = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)
SETUP = """
import json, sys
import kisaan_app.tasks  # registers the named jobs services enqueue in this process
from kisaan_app import migrations
from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.context import RequestMeta
from tests.payments_support import make_order
migrations.upgrade()
meta = RequestMeta(ip="127.0.0.1", user_agent="bench")
count, buyers = int(sys.argv[1]), 20
with session_scope() as s:
    farmer = accounts.register(s, accounts.Registration(full_name="Bench Farmer", password="bench-pass-1",
                               phone="+919600000000", district="Nashik", state="Maharashtra"), meta)
    people = [accounts.register(s, accounts.Registration(full_name=f"Bench Buyer {i}", password="bench-pass-1",
                                role="buyer", phone=f"+91961000{i:04d}"), meta) for i in range(buyers)]
    s.flush()
    ids = [(p.id, farmer.id) for p in people]
    tokens = [accounts.open_session(s, p, "api", meta)[0] for p in people]
jobs = [(tokens[i % buyers], make_order(ids[i % buyers][0], ids[i % buyers][1], 100_000 + i)) for i in range(count)]
print(json.dumps(jobs))
"""


def _wait(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:  # it answers: /api/health says 503 here, as no job worker runs
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _pay(api: str, sandbox: str, token: str, order_id: int) -> tuple[float, float]:
    """One buyer's payment; returns (create seconds, whole flow seconds up to the verified answer)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as http:
        t0 = time.perf_counter()
        start = http.post(
            f"{api}/api/payments/create", json={"purpose": "market_order", "market_order_id": order_id}, headers=headers
        )
        start.raise_for_status()
        created = time.perf_counter() - t0
        body = start.json()
        done = http.post(
            f"{sandbox}/sandbox/checkout/{body['razorpay_order_id']}/complete",
            data={"outcome": "success", "method": "upi", "callback_url": body["callback_url"]},
        )
        fields = {k: unescape(v) for k, v in _FIELD.findall(done.text)}
        verified = http.post(f"{api}/api/payments/verify", json=fields, headers=headers)
        verified.raise_for_status()
        return created, time.perf_counter() - t0


def _baseline_sdk_creates(sandbox_port: int, n: int) -> list[float]:
    import razorpay

    from kisaan_app.providers.sandbox_keys import SANDBOX_RAZORPAY_KEY_ID, SANDBOX_RAZORPAY_KEY_SECRET

    client = razorpay.Client(
        auth=(SANDBOX_RAZORPAY_KEY_ID, SANDBOX_RAZORPAY_KEY_SECRET), base_url=f"http://127.0.0.1:{sandbox_port}"
    )
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        client.order.create(data={"amount": 10_000, "currency": "INR", "receipt": f"baseline_{i}"}, timeout=10)
        times.append(time.perf_counter() - t0)
    return times


def _stored_webhooks(database_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT count(*) FROM webhook_event")).scalar_one()
    engine.dispose()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    from kisaan_app.__main__ import reflex_env

    run_dir = Path(tempfile.mkdtemp(prefix="kisaan-bench-pay-"))
    if args.database == "postgresql":
        from tests.services import create_pg_database

        database_url = create_pg_database("kisaan_bench")
    else:
        database_url = f"sqlite:///{run_dir / 'bench.db'}"
    api_port, sandbox_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    env = reflex_env() | {
        "KISAAN_ENV": "test",
        "DATABASE_URL": database_url,
        "KISAAN_PUBLIC_URL": api,
        "KISAAN_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
        "KISAAN_SANDBOX_PORT": str(sandbox_port),
        "KISAAN_SANDBOX_SMTP_PORT": str(free_port()),
        "KISAAN_HUEY_PATH": str(run_dir / "huey.db"),
        "PYTHONPATH": str(ROOT),
        "KISAAN_PAYMENT_RATE_PER_USER": "1000000/5 minutes",
        "KISAAN_PAYMENT_RATE_PER_IP": "1000000/5 minutes",
    }
    env.pop("REDIS_URL", None)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.payments)], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    jobs = json.loads(setup.stdout.strip().splitlines()[-1])
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "sandbox"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "kisaan_app.asgi:create_app",
            "--port",
            str(api_port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        _wait(f"http://127.0.0.1:{sandbox_port}/health", sandbox)
        _wait(f"{api}/api/health", server)
        baseline = _baseline_sdk_creates(sandbox_port, 50)
        cpu0, _, _ = tree_usage(server.pid)
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(lambda job: _pay(api, f"http://127.0.0.1:{sandbox_port}", *job), jobs))
        expected_webhooks = 3 * len(jobs)
        while _stored_webhooks(database_url) < expected_webhooks and time.perf_counter() - t0 < 300:
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        webhooks = _stored_webhooks(database_url)
        cpu1, rss, largest = tree_usage(server.pid)
    finally:
        stop(server)
        stop(sandbox)
        if args.database == "postgresql":
            from tests.services import drop_pg_database

            drop_pg_database(database_url)
    creates, flows = [r[0] * 1000 for r in results], [r[1] * 1000 for r in results]
    per_second = len(results) / elapsed
    print(f"\npayments bench — {len(results)} payments, {args.concurrency} at a time, {args.database}")
    print(
        f"  end to end (create → checkout → verify → {webhooks}/{expected_webhooks} webhooks stored): "
        f"{per_second:.1f}/s = {per_second * 60:.0f}/min in {elapsed:.1f} s"
    )
    print(
        f"  create      p50 {percentile(creates, 50):6.1f} ms  p95 {percentile(creates, 95):6.1f} ms  "
        f"p99 {percentile(creates, 99):6.1f} ms"
    )
    print(
        f"  whole flow  p50 {percentile(flows, 50):6.1f} ms  p95 {percentile(flows, 95):6.1f} ms  "
        f"p99 {percentile(flows, 99):6.1f} ms"
    )
    print(
        f"  API server: CPU {cpu1 - cpu0:.1f} s ({(cpu1 - cpu0) * 1000 / len(results):.1f} ms per payment), "
        f"RSS {rss:.0f} MB (largest process {largest:.0f} MB)"
    )
    base_ms = [b * 1000 for b in baseline]
    print(
        f"  baseline, same run: bare SDK order.create at the stand-in p50 {percentile(base_ms, 50):.1f} ms "
        f"p95 {percentile(base_ms, 95):.1f} ms"
    )
    print(
        f"  seed's bar: {SEED_BAR_PER_MINUTE}/min and {SEED_BAR_CREATE_S * 1000:.0f} ms per creation → "
        f"{per_second * 60 / SEED_BAR_PER_MINUTE:.0f}× the rate, create p95 "
        f"{SEED_BAR_CREATE_S * 1000 / max(percentile(creates, 95), 0.001):.0f}× faster"
    )


if __name__ == "__main__":
    main()
