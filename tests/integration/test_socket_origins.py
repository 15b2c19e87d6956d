"""The /_event WebSocket (Reflex's state socket) admits the origins api/edge/origins.py names, in the real app:
the Reflex app (kisaan_app.kisaan_app:app, pages not compiled) under uvicorn in a process of its own.

Outside prod a page opened at 127.0.0.1 or the LAN address connects (it was refused with 403 for anything but
localhost: "Cannot connect to server: websocket error"); in prod only the public URL and the extra origins do,
and a hostile origin, or a Host header the operator did not name, is refused."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from kisaan_app import migrations
from kisaan_app.__main__ import reflex_env

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90  # importing the app evaluates every page (no frontend build)
PUBLIC = "https://kisaansay.example"
EXTRA = "https://www.kisaansay.example"
PROD = {
    "KISAAN_ENV": "prod",
    "KISAAN_SECRET_KEY": "p" * 40,
    "KISAAN_RAZORPAY_KEY_ID": "rzp_live_x",
    "KISAAN_RAZORPAY_KEY_SECRET": "s" * 24,
    "KISAAN_RAZORPAY_WEBHOOK_SECRET": "w" * 24,
    "KISAAN_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "KISAAN_TWILIO_AUTH_TOKEN": "t" * 32,
    "KISAAN_SMTP_HOST": "127.0.0.1",
    "KISAAN_PUBLIC_URL": PUBLIC,
    "KISAAN_EXTRA_ORIGINS": EXTRA,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _handshake_status(port: int, origin: str, host: str) -> int:
    """The HTTP status a browser's WebSocket upgrade to /_event gets: 101 (open) or a refusal."""
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {host}\r\nOrigin: {origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        status_line = conn.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def _wait_until_up(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if b" 200 " in conn.recv(64):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not answer in {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module", params=["test", "prod"])
def served(request, tmp_path_factory) -> Iterator[tuple[str, int]]:
    """(KISAAN_ENV, port) of the Reflex app served by uvicorn on a migrated database of its own."""
    kisaan_env = request.param
    run_dir = tmp_path_factory.mktemp(f"socket-{kisaan_env}")
    database_url = f"sqlite:///{run_dir / 'app.db'}"
    migrations.upgrade("head", url=database_url)
    port = _free_port()
    env = {k: v for k, v in reflex_env().items() if k not in ("REDIS_URL", "KISAAN_REDIS_URL")}  # node on PATH
    env |= {
        "DATABASE_URL": database_url,
        "KISAAN_HUEY_PATH": str(run_dir / "huey.db"),
        "KISAAN_PORT": str(port),
        "KISAAN_PUBLIC_URL": f"http://localhost:{port}",
        "KISAAN_DEMO_PRICE_TICKS": "false",
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_SKIP_COMPILE": "true",  # the socket needs no frontend build
    }
    if kisaan_env == "prod":
        env |= PROD
    log = run_dir / "server.log"
    args = ["-m", "uvicorn", "kisaan_app.kisaan_app:app", "--factory", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(port, proc, log)
        yield kisaan_env, port
    finally:
        with suppress(ProcessLookupError):  # our own process group (start_new_session above), if still there
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# (Origin, Host) of a handshake -> its answer (101 open, 403 refused) outside prod and in prod. PORT is the
# server's port; 192.0.2.2 and fd00::2 stand for the LAN address a phone opens.
EXPECTED = [
    ("http://localhost:PORT", "localhost:PORT", 101, 403),
    ("http://127.0.0.1:PORT", "127.0.0.1:PORT", 101, 403),
    ("http://192.0.2.2:PORT", "192.0.2.2:PORT", 101, 403),
    ("http://[fd00::2]:PORT", "[fd00::2]:PORT", 101, 403),
    # A page from another address than the one the socket went to is another site.
    ("http://192.0.2.2:PORT", "127.0.0.1:PORT", 403, 403),
    ("https://evil.example", "127.0.0.1:PORT", 403, 403),
    ("null", "127.0.0.1:PORT", 403, 403),
    (PUBLIC, "kisaansay.example", 403, 101),  # outside prod the public URL is http://localhost:PORT
    (EXTRA, "kisaansay.example", 403, 101),
]


def test_the_state_socket_admits_only_our_origins(served):
    kisaan_env, port = served
    answers, expected = [], []
    for origin, host, outside_prod, in_prod in EXPECTED:
        origin, host = origin.replace("PORT", str(port)), host.replace("PORT", str(port))
        answers.append((origin, host, _handshake_status(port, origin, host)))
        expected.append((origin, host, in_prod if kisaan_env == "prod" else outside_prod))
    assert answers == expected
