"""A production build of the app on a free port with a fresh, seeded database, and a Chromium to drive it."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app server exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as res:
                if res.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app server did not answer {url} in {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_server():
    from kisaan_app.__main__ import reflex_env

    port, sandbox_port = _free_port(), _free_port()
    run_dir = Path(tempfile.mkdtemp(prefix="kisaan-e2e-"))
    env = reflex_env() | {
        "KISAAN_SANDBOX_PORT": str(sandbox_port),
        "KISAAN_SANDBOX_SMTP_PORT": str(_free_port()),
        "KISAAN_SANDBOX_PUBLIC_URL": f"http://localhost:{sandbox_port}",
        "KISAAN_ENV": "test",
        "KISAAN_SECRET_KEY": "e2e-secret-key-for-the-browser-suite-0123456789",
        "KISAAN_PORT": str(port),
        "KISAAN_PUBLIC_URL": f"http://localhost:{port}",
        "DATABASE_URL": f"sqlite:///{run_dir / 'e2e.db'}",
        "KISAAN_HUEY_PATH": str(run_dir / "huey.db"),
    }
    env.pop("REDIS_URL", None)
    for step in (["migrate", "up"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "kisaan_app", *step], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
    log = run_dir / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--loglevel", "info"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # The provider stand-ins, as `serve` runs them without keys: checkout pages, webhooks into the app.
    sandbox_log = run_dir / "sandbox.log"
    with open(sandbox_log, "w") as out:
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "kisaan_app", "sandbox"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://localhost:{port}"
    try:
        _wait_for(f"http://127.0.0.1:{sandbox_port}/health", sandbox, sandbox_log, timeout=30)
        _wait_for(f"{base}/api/health", proc, log)
        _wait_for(f"{base}/login", proc, log)
        yield base
    finally:
        for child in (proc, sandbox):
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    ctx = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


SCREENSHOTS = ROOT / "test-results"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
