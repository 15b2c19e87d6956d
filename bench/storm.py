"""Connection storm: N farmer dashboards connect within a few seconds, round after round; the server must live.

    .venv/bin/python bench/storm.py                       # 1,000 dashboards, 10 rounds (the issue's figure)
    .venv/bin/python bench/storm.py --clients 200 --rounds 3

It starts the web process as production runs it (granian, `reflex run --env prod`, backend only: the storm is
on the state socket) on a free port with a fresh seeded SQLite database. Each round opens N python-socketio
clients at once, each with a farmer's session cookie, runs the dashboard's on_load, waits until every
dashboard has loaded, then drops them all at once (phones losing signal together). After each round the
server must still answer /api/health and its process must still be running. Printed per round: connected,
loaded, seconds to load, server alive. Exits 1 at once if the server died (its log's last lines are printed:
a granian panic shows there), so a script or a test fails loudly.
"""

import argparse
import asyncio
import functools
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import free_port, healthy, start_backend, stop, tree_usage  # noqa: E402
from bench.fanout import Dashboard, _setup  # noqa: E402

LOAD_SECONDS = 180  # a round whose dashboards have not all loaded by then is counted, not waited for
# A phone waits this long for its socket. python-socketio's default (1 s) gives up under load; the fan-out bench
# then raised, stopped its server with tabs still open, and granian's teardown panic (realtime notes in
# README) was read as "the server died during the storm".
CONNECT_SECONDS = 60


@dataclass
class Round:
    number: int
    connected: int
    loaded: int
    seconds: float
    alive: bool


def server_env(work: Path, port: int, redis_url: str | None = None, workers: int = 1) -> dict[str, str]:
    from kisaan_app.__main__ import reflex_env

    env = reflex_env() | {
        "KISAAN_ENV": "test",
        "KISAAN_SECRET_KEY": "storm-secret-key-0123456789-0123456789",
        "KISAAN_PORT": str(port),
        "KISAAN_PUBLIC_URL": f"http://localhost:{port}",
        "DATABASE_URL": f"sqlite:///{work / 'storm.db'}",
        "KISAAN_HUEY_PATH": str(work / "huey.db"),
        "KISAAN_LOGIN_RATE_PER_IP": "100000/minute",
        "RUST_BACKTRACE": "1",  # a granian panic names its place in the log
    }
    env.pop("REDIS_URL", None)
    if redis_url:  # states in Redis, the bus on Redis, several granian workers (scale-out)
        env |= {"REDIS_URL": redis_url, "GRANIAN_WORKERS": str(workers)}
    return env


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen:
    return start_backend(env, log, int(env["KISAAN_PORT"]))


def server_died(proc: subprocess.Popen, log: Path) -> bool:
    """The process tree exited, or a worker panicked or exited (its tabs' states would be lost even if
    granian started another): the log says which."""
    if proc.poll() is not None:
        return True
    text = log.read_text(errors="replace")
    return "panicked" in text or "Unexpected exit from worker" in text


async def one_round(number: int, base: str, tokens: list[str], n: int, load_event: str, died) -> Round:
    """Open n dashboards at once, wait until they have loaded (or the server died), then drop them all."""
    latencies: list[float] = []
    tabs = [Dashboard(base, tokens[i % len(tokens)], load_event, latencies) for i in range(n)]
    started = time.monotonic()

    async def crowd() -> tuple[int, int]:
        opened = await asyncio.gather(*(tab.open(wait_timeout=CONNECT_SECONDS) for tab in tabs), return_exceptions=True)
        live = [tab for tab, result in zip(tabs, opened, strict=True) if not isinstance(result, BaseException)]
        waits = [asyncio.wait_for(tab.loaded.wait(), LOAD_SECONDS) for tab in live]
        return len(live), sum(1 for r in await asyncio.gather(*waits, return_exceptions=True) if r is True)

    async def watchdog() -> None:
        while not died():
            await asyncio.sleep(1)

    storming, watching = asyncio.create_task(crowd()), asyncio.create_task(watchdog())
    await asyncio.wait([storming, watching], return_when=asyncio.FIRST_COMPLETED)
    watching.cancel()
    connected, loaded = storming.result() if storming.done() else (0, 0)
    storming.cancel()
    seconds = time.monotonic() - started
    await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
    return Round(number, connected, loaded, seconds, alive=not died())


def storm(clients: int, rounds: int, redis_url: str | None = None, workers: int = 1, on_round=print) -> list[Round]:
    """Run the storm; raises SystemExit(1) (after printing the log's tail) when the server dies."""
    from kisaan_app.state.dashboard import DashboardState

    load_event = f"{DashboardState.get_full_name()}.load"
    work = Path(tempfile.mkdtemp(prefix="kisaan-storm-"))
    port = free_port()
    env = server_env(work, port, redis_url, workers)
    tokens, _admin = _setup(env)
    log = work / "server.log"
    server = start_server(env, log)
    base = env["KISAAN_PUBLIC_URL"]
    results: list[Round] = []
    try:
        for number in range(1, rounds + 1):
            died = functools.partial(server_died, server, log)
            result = asyncio.run(one_round(number, base, tokens, clients, load_event, died))
            time.sleep(1)  # the server notices the dropped sockets
            result.alive = not died() and healthy(base)
            cpu, rss, _ = tree_usage(server.pid)
            results.append(result)
            on_round(
                f"round {number}/{rounds}: {result.connected}/{clients} connected, {result.loaded} loaded in "
                f"{result.seconds:.1f} s; server {'alive' if result.alive else 'DEAD'} "
                f"(CPU {cpu:.0f} s, RSS {rss:.0f} MB)"
            )
            if not result.alive:
                print(f"the server died in round {number}; last lines of {log}:", file=sys.stderr)
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
                raise SystemExit(1)
    finally:
        stop(server)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=int(os.environ.get("KISAAN_STORM_CLIENTS", 1000)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("KISAAN_STORM_ROUNDS", 10)))
    parser.add_argument("--redis", metavar="URL", help="Redis mode (e.g. redis://127.0.0.1:6379/0)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers in Redis mode")
    args = parser.parse_args()
    results = storm(args.clients, args.rounds, args.redis, args.workers)
    short = [r for r in results if r.loaded < args.clients]
    print(
        f"{len(results)} rounds of {args.clients} dashboards: server alive throughout; "
        f"{len(short)} rounds had dashboards that did not load in {LOAD_SECONDS} s"
    )


if __name__ == "__main__":
    main()
