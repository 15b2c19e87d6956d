"""What every benchmark needs: free ports, the CPU and memory of a process tree, percentiles, clean stops."""

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_pids(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for child in Path("/proc").glob("[0-9]*"):
            try:
                if int((child / "stat").read_text().split(") ")[1].split()[1]) == parent:
                    pids.append(int(child.name))
                    frontier.append(int(child.name))
            except (OSError, IndexError, ValueError):
                continue
    return pids


def tree_usage(pid: int) -> tuple[float, float, float]:
    """(CPU seconds, RSS MB, largest single process RSS MB) of a process and all its children.

    The tree includes launchers and supervisors; the largest process is the worker doing the work."""
    ticks, page_mb = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE") / 2**20
    cpu, rss, largest = 0.0, 0.0, 0.0
    for p in tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().split(") ")[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / ticks
            rss += int(fields[21]) * page_mb
            largest = max(largest, int(fields[21]) * page_mb)
        except (OSError, IndexError):
            continue
    return cpu, rss, largest


def tree_pss_mb(pid: int) -> float:
    """Memory of a process tree with shared pages counted once (PSS): forked workers share the pages of the
    supervisor that preloaded the app, which a sum of RSS counts once per process."""
    total_kb = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else (values[0] if values else 0.0)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def fresh_database(kind: str, run_dir: Path, name: str) -> str:
    """A new, empty database for one benchmark run: an SQLite file in run_dir, or a PostgreSQL database."""
    if kind == "postgresql":
        from tests.services import create_pg_database

        return create_pg_database(name)
    return f"sqlite:///{run_dir / 'bench.db'}"


def drop_database(kind: str, url: str) -> None:
    if kind == "postgresql":
        from tests.services import drop_pg_database

        drop_pg_database(url)


def app_env(database_url: str, api_url: str, sandbox_port: int, smtp_port: int, run_dir: Path) -> dict[str, str]:
    """The environment of the app processes a benchmark starts: test mode, its own database, queue and stand-ins."""
    from kisaan_app.__main__ import reflex_env

    env = reflex_env() | {
        "KISAAN_ENV": "test",
        "DATABASE_URL": database_url,
        "KISAAN_PUBLIC_URL": api_url,
        "KISAAN_SECRET_KEY": "bench-secret-key-0123456789-0123456789",
        "KISAAN_SANDBOX_PORT": str(sandbox_port),
        "KISAAN_SANDBOX_SMTP_PORT": str(smtp_port),
        "KISAAN_HUEY_PATH": str(run_dir / "huey.db"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    env.pop("REDIS_URL", None)
    return env


# The backend as `reflex run --env prod` starts it (same granian server, same workers), without rebuilding the
# frontend for every run: the storm is on the state socket. (`--backend-only` refuses our configured port.)
BACKEND = """
import sys
from reflex import constants
from reflex.environment import environment
from reflex.utils import exec
environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
environment.REFLEX_SKIP_COMPILE.set(True)
exec.run_backend_prod("127.0.0.1", int(sys.argv[1]), constants.LogLevel.WARNING)
"""


def start_backend(env: dict[str, str], log: Path, port: int, cwd: Path | None = None) -> subprocess.Popen:
    """The Reflex backend of the app in `cwd` (default: this project) on `port`, once it answers /ping."""
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-c", BACKEND, str(port)],
        env=env,
        cwd=cwd or Path(__file__).resolve().parents[1],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        if healthy(f"http://127.0.0.1:{port}"):
            return proc
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"the server did not start: {log}")


def healthy(base: str) -> bool:
    """Reflex's own /ping (the app's /api/health is 503 while no job worker runs, as in these benches)."""
    try:
        with urllib.request.urlopen(f"{base}/ping", timeout=10) as res:
            return res.status == 200
    except OSError:
        return False
