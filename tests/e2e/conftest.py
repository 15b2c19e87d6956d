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


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A helper process in its own session (so the whole group can be stopped), its output in `log`."""
    with open(log, "w") as out:
        return subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


class AppServer:
    """The app as `make run` serves it: the production build, the provider sandbox and the job worker, on a
    fresh seeded database. The web process can be restarted alone (its in-memory Reflex states are lost)."""

    def __init__(self) -> None:
        from kisaan_app.__main__ import reflex_env

        self.port, self.sandbox_port = _free_port(), _free_port()
        self.run_dir = Path(tempfile.mkdtemp(prefix="kisaan-e2e-"))
        self.base = f"http://localhost:{self.port}"
        self.env = reflex_env() | {
            "KISAAN_SANDBOX_PORT": str(self.sandbox_port),
            "KISAAN_SANDBOX_SMTP_PORT": str(_free_port()),
            "KISAAN_SANDBOX_PUBLIC_URL": f"http://localhost:{self.sandbox_port}",
            "KISAAN_ENV": "test",
            "KISAAN_SECRET_KEY": "e2e-secret-key-for-the-browser-suite-0123456789",
            "KISAAN_PORT": str(self.port),
            "KISAAN_PUBLIC_URL": self.base,
            "DATABASE_URL": f"sqlite:///{self.run_dir / 'e2e.db'}",
            "KISAAN_HUEY_PATH": str(self.run_dir / "huey.db"),
            # Every journey's buyers pay from 127.0.0.1, where real buyers each come from an address of their
            # own: the per-address budget is the whole suite's, so it gets room for the suite's payments (the
            # per-person budget stays as shipped; tests/api/test_payments_api.py checks both limits themselves).
            "KISAAN_PAYMENT_RATE_PER_IP": "60/5 minutes",
        }
        self.env.pop("REDIS_URL", None)
        self.web: subprocess.Popen | None = None
        self.helpers: list[subprocess.Popen] = []

    def start(self) -> None:
        for step in (["migrate", "up"], ["seed-demo"]):
            self.run_python(["-m", "kisaan_app", *step])
        sandbox_log = self.run_dir / "sandbox.log"
        # The provider stand-ins, as `serve` runs them without keys: checkout pages, webhooks into the app.
        sandbox = _spawn([sys.executable, "-m", "sandbox"], self.env, sandbox_log)
        # The job worker, as `serve` runs it: queued sends (SMS, email, push, campaign chunks) happen here.
        worker = _spawn([sys.executable, "-m", "kisaan_app", "worker"], self.env, self.run_dir / "worker.log")
        self.helpers = [sandbox, worker]
        _wait_for(f"http://127.0.0.1:{self.sandbox_port}/health", sandbox, sandbox_log, timeout=30)
        self.start_web()

    def start_web(self) -> None:
        log = self.run_dir / "server.log"
        args = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--loglevel", "info"]
        self.web = _spawn(args, self.env, log)
        _wait_for(f"{self.base}/api/health", self.web, log)
        _wait_for(f"{self.base}/login", self.web, log)

    def stop_web(self) -> None:
        if self.web is not None:
            _stop(self.web)
            self.web = None

    def run_python(self, args: list[str]) -> str:
        """Run Python against this server's database and settings (migrations, or a change made behind its back)."""
        done = subprocess.run(
            [sys.executable, *args], env=self.env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        return done.stdout

    def stop(self) -> None:
        self.stop_web()
        for child in self.helpers:
            _stop(child)


def _stop(child: subprocess.Popen) -> None:
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


@pytest.fixture(scope="session")
def app_server():
    server = AppServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_server(app_server):
    return app_server.base


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
    """Keep a picture of the page for people to look at (an artifact, not a check).

    Under CI=true, Chromium has been seen to hang on a full-page capture of the cross-origin sandbox checkout
    after a long session (3 of 3 runs; never without CI=true): fall back to the viewport, and never let a
    picture fail the journey it illustrates.
    """
    from playwright.sync_api import Error as PlaywrightError

    SCREENSHOTS.mkdir(exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    try:
        page.screenshot(path=path, full_page=True, timeout=10_000)
    except PlaywrightError:
        try:
            page.screenshot(path=path, timeout=10_000)
        except PlaywrightError as err:
            print(f"screenshot {name} not taken: {err.message.splitlines()[0]}")
