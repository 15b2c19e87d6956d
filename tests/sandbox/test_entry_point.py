"""`python -m sandbox`, the command `python -m kisaan_app serve` starts beside the app (kisaan_app never imports
the stand-ins): it listens where the app's settings say, with the outbox and the SMTP stand-in."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kisaan_app.__main__ import SANDBOX_COMMAND
from sandbox.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_sandbox_serves_on_the_ports_the_settings_name():
    port, smtp_port = free_port(), free_port()
    env = dict(
        os.environ,
        KISAAN_SANDBOX_PORT=str(port),
        KISAAN_SANDBOX_SMTP_PORT=str(smtp_port),
        KISAAN_PUBLIC_URL="http://127.0.0.1:9",
    )
    assert SANDBOX_COMMAND[1:] == ["-m", "sandbox"]
    proc = subprocess.Popen([sys.executable, "-m", "sandbox"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/outbox", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "python -m sandbox exited early"
                assert time.monotonic() < deadline, "python -m sandbox never answered"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json() == []
        with socket.create_connection(("127.0.0.1", smtp_port), timeout=5) as smtp:
            assert smtp.recv(100).startswith(b"220")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # SIGINT is ignored when the test runner itself runs in the background
            proc.terminate()
            proc.wait(timeout=10)
    assert f"provider sandbox on http://127.0.0.1:{port}" in proc.stdout.read()
