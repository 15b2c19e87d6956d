"""Soak benchmark: N farmer dashboards stay connected for a long time under live price ticks.

    .venv/bin/python bench/soak.py                                # 100 dashboards, 20 minutes, 1 tick/s
    .venv/bin/python bench/soak.py --clients 50 --minutes 10

It serves the app's backend as production does (granian, the ASGI app `reflex run --env prod` runs; no frontend
build is needed for sockets) on a fresh seeded SQLite database, opens N python-socketio clients with a farmer's
session cookie each (bench/fanout.py's Dashboard, here with Socket.IO's own reconnection on, re-running the
page's on_load after a reconnect as a browser tab does), and posts one price tick a second through the API.

Printed every --report-every seconds and at the end: ticks posted; deliveries seen / expected (a tick counts
for every dashboard connected when it was posted) and the lost ones; disconnects and reconnects; tick → socket
latency p50/p99; the server's RSS, its growth per hour (least-squares slope after the first minute's warm-up)
and CPU seconds. The baseline, measured in the same run, is the same server idle before any client connects.
"""

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import free_port, percentile, stop, tree_usage  # noqa: E402
from bench.fanout import NAMESPACE, Dashboard, _post_tick, _setup  # noqa: E402

WARM_UP_SECONDS = 60  # memory settles (imports, caches, first states) before growth is measured


class SoakDashboard(Dashboard):
    """A dashboard tab that reconnects by itself, counting every drop, and reloads its page after a reconnect."""

    def __init__(self, base: str, cookie: str, load_event: str, latencies: list[float]) -> None:
        import socketio

        super().__init__(base, cookie, load_event, latencies)
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=1, reconnection_delay_max=10)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.connects = self.disconnects = 0
        self.connected = False
        self.failed_opens = 0

    async def _on_connect(self) -> None:
        self.connects += 1
        self.connected = True
        if self.connects > 1:  # a reconnect: the page loads its live state again, as a browser tab does
            await self.sio.emit("event", self._load_event_json(), namespace=NAMESPACE)

    async def _on_disconnect(self, *_reason) -> None:
        self.disconnects += 1
        self.connected = False

    async def open_patiently(self, tries: int = 5) -> None:
        """Connect as a phone on a busy network does: a refused handshake is tried again a moment later."""
        import socketio

        for attempt in range(tries):
            try:
                return await self.open()
            except socketio.exceptions.ConnectionError:
                self.failed_opens += 1
                await asyncio.sleep(1 + attempt)
        raise RuntimeError(f"a dashboard could not connect in {tries} tries")

    def _load_event_json(self) -> str:
        import json

        return json.dumps({"name": self.load_event, "payload": {}, "router_data": {"pathname": "/", "asPath": "/"}})


def _start_backend(env: dict[str, str], port: int, log: Path):
    """granian, one worker, on the app's ASGI factory: what `reflex run --env prod` starts for the backend."""
    import subprocess
    import urllib.request

    out = open(log, "w")  # noqa: SIM115 - closed with the process
    cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", "1", "kisaan_app.kisaan_app:app"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2):
                return proc
        except OSError:
            time.sleep(1)
    raise RuntimeError("server did not start")


def _slope_mb_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over time, in MB per hour (samples after the warm-up only)."""
    if len(samples) < 3:
        return float("nan")
    slope, _ = statistics.linear_regression([t for t, _ in samples], [mb for _, mb in samples])
    return slope * 3600


async def _soak(args, base: str, tokens: list[str], admin: str, load_event: str, server) -> dict:
    latencies: list[float] = []
    tabs = [SoakDashboard(base, tokens[i % len(tokens)], load_event, latencies) for i in range(args.clients)]
    for start in range(0, len(tabs), 25):  # in waves, as a crowd of phones opens the page
        await asyncio.gather(*(tab.open_patiently() for tab in tabs[start : start + 25]))
    print(f"soak: {len(tabs)} dashboards open ({sum(t.failed_opens for t in tabs)} handshakes retried)", flush=True)
    await asyncio.wait_for(asyncio.gather(*(tab.loaded.wait() for tab in tabs)), 120)
    gc.collect()
    gc.freeze()  # the load generator's own long-lived clients must not add collector pauses to the figures
    latencies.clear()
    t0 = time.monotonic()
    cpu0 = tree_usage(server.pid)[0]
    samples: list[tuple[float, float]] = []
    expected = ticks = 0
    next_report = args.report_every
    while (elapsed := time.monotonic() - t0) < args.minutes * 60:
        if elapsed >= next_report:  # before this second's tick: the last one had a second to arrive
            next_report += args.report_every
            _report(args, tabs, ticks, expected, latencies, samples, elapsed, server, cpu0, final=False)
        expected += sum(tab.connected for tab in tabs)
        modal = 2400 + (ticks % 200)  # a new price every tick (the same one twice would be no change to show)
        await asyncio.to_thread(_post_tick, base, admin, modal)
        ticks += 1
        if elapsed >= WARM_UP_SECONDS and ticks % 10 == 0:
            samples.append((elapsed, tree_usage(server.pid)[1]))
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - t0 - elapsed)))
    await asyncio.sleep(3)  # stragglers
    result = _report(args, tabs, ticks, expected, latencies, samples, time.monotonic() - t0, server, cpu0, True)
    await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
    return result


def _report(args, tabs, ticks, expected, latencies, samples, elapsed, server, cpu0, final: bool) -> dict:
    seen = sum(len(tab.seen) for tab in tabs)
    cpu, rss, _ = tree_usage(server.pid)
    result = {
        "ticks": ticks,
        "delivered": seen,
        "expected": expected,
        "lost": max(expected - seen, 0),
        "disconnects": sum(tab.disconnects for tab in tabs),
        "reconnects": sum(max(tab.connects - 1, 0) for tab in tabs),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "rss_mb": rss,
        "growth_mb_per_hour": _slope_mb_per_hour(samples),
        "cpu_s": cpu - cpu0,
    }
    label = "soak done" if final else "soak"
    print(
        f"{label} {elapsed / 60:.1f} min, {args.clients} dashboards: ticks {ticks}, delivered {seen}/{expected} "
        f"(lost {result['lost']}), disconnects {result['disconnects']}, reconnects {result['reconnects']}, "
        f"latency p50 {result['p50_ms']:.0f} ms p99 {result['p99_ms']:.0f} ms, server RSS {rss:.0f} MB "
        f"(growth {result['growth_mb_per_hour']:+.1f} MB/hour after warm-up), CPU {result['cpu_s']:.0f} s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--report-every", type=float, default=120, help="seconds between interim lines")
    args = parser.parse_args()

    from kisaan_app.__main__ import reflex_env
    from kisaan_app.state.dashboard import DashboardState

    work = Path(tempfile.mkdtemp(prefix="kisaan-bench-soak-"))
    port = free_port()
    env = reflex_env() | {
        "KISAAN_ENV": "test",
        "KISAAN_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
        "KISAAN_PORT": str(port),
        "KISAAN_PUBLIC_URL": f"http://localhost:{port}",
        "DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "KISAAN_HUEY_PATH": str(work / "huey.db"),
        "KISAAN_LOGIN_RATE_PER_IP": "100000/minute",
        "REFLEX_ENV_MODE": "prod",
        "__REFLEX_SKIP_COMPILE": "true",  # what `reflex run --backend-only` sets: sockets need no frontend build
    }
    env.pop("REDIS_URL", None)
    tokens, admin = _setup(env)
    server = _start_backend(env, port, work / "server.log")
    try:
        time.sleep(2)
        idle_rss = tree_usage(server.pid)[1]
        print(f"soak: server idle (baseline, same run) RSS {idle_rss:.0f} MB; log {work / 'server.log'}", flush=True)
        load_event = f"{DashboardState.get_full_name()}.load"
        result = asyncio.run(_soak(args, f"http://localhost:{port}", tokens, admin, load_event, server))
    finally:
        stop(server)
    growth = result["growth_mb_per_hour"]
    print(
        f"24-hour outlook at this rate: RSS {result['rss_mb'] + 24 * growth:.0f} MB "
        f"({'+' if growth >= 0 else ''}{24 * growth:.0f} MB over a day); reconnects {result['reconnects']} and "
        f"lost events {result['lost']} in {args.minutes:g} min"
    )


if __name__ == "__main__":
    main()
