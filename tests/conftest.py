"""Shared fixtures: a fresh database per run (SQLite and PostgreSQL), clean tables per test, an API client."""

import os
import tempfile
import time
from pathlib import Path

_RUN_DIR = Path(tempfile.mkdtemp(prefix="kisaan-tests-"))
# Settings are read from the environment: fix them before any kisaan_app import.
os.environ["KISAAN_ENV"] = "test"
os.environ["KISAAN_SECRET_KEY"] = "test-secret-key-for-the-suite-only-0123456789"
os.environ["DATABASE_URL"] = f"sqlite:///{_RUN_DIR / 'default.db'}"
os.environ.pop("REDIS_URL", None)
os.environ["KISAAN_HUEY_PATH"] = str(_RUN_DIR / "huey.db")
os.environ["KISAAN_VOICE_CACHE_DIR"] = str(_RUN_DIR / "voice")  # rendered audio stays out of the worktree

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import kisaan_app.tasks  # noqa: E402, F401 - the test process registers every named job, as the web process does
from tests.services import create_pg_database, drop_pg_database  # noqa: E402


def _use_database(url: str | None = None, redis_url: str | None = None) -> None:
    from kisaan_app.db import reset_engine
    from kisaan_app.services.ratelimit import reset_limiter
    from kisaan_app.settings import get_settings

    if url:
        os.environ["DATABASE_URL"] = url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()
    reset_engine()
    reset_limiter()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request):
    """A migrated database made for this run: an SQLite file, and a new PostgreSQL database."""
    from kisaan_app import migrations

    if request.param == "sqlite":
        url = f"sqlite:///{_RUN_DIR / 'suite.db'}"
    else:
        url = create_pg_database()
    migrations.upgrade("head", url=url)
    _use_database(url)
    yield url
    from kisaan_app.db import get_engine

    get_engine().dispose()
    if request.param == "postgresql":
        drop_pg_database(url)


@pytest.fixture
def db(database):
    """The run's database, emptied after each test so no test depends on another's leftovers."""
    _use_database(database)
    yield database
    import kisaan_app.models  # noqa: F401 - registers every table
    from kisaan_app.db import get_engine

    # A provider stand-in may still be delivering a webhook (its own thread) as the test ends; on PostgreSQL
    # its row locks can deadlock with this sweep, which then simply runs again.
    for attempt in range(5):
        try:
            with get_engine().begin() as conn:
                for table in reversed(SQLModel.metadata.sorted_tables):
                    conn.execute(sa.delete(table))
            break
        except sa.exc.OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    _use_database(database)


@pytest.fixture
def api(db):
    from fastapi.testclient import TestClient

    from kisaan_app.api import create_api

    with TestClient(create_api()) as client:
        yield client


@pytest.fixture(scope="session")
def live_api_url():
    """The REST API served by uvicorn on a free port, so provider stand-ins can call back into it for real
    (webhooks, status callbacks). It reads the same settings and database as the test that uses it."""
    from kisaan_app.api import create_api
    from sandbox.server import ServedApp, free_port

    with ServedApp(create_api(), free_port()) as served:
        os.environ["KISAAN_PUBLIC_URL"] = served.url
        yield served.url


@pytest.fixture(scope="session")
def provider_sandbox(live_api_url):
    """The provider stand-ins on a free port, calling back into the live API; the app's SDKs point at them."""
    from sandbox.server import SandboxConfig, SandboxServer, free_port

    port = free_port()
    os.environ["KISAAN_SANDBOX_PORT"] = str(port)
    os.environ["KISAAN_SANDBOX_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    config = SandboxConfig(port=port, app_url=live_api_url, smtp_port=free_port())
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def payments(db, provider_sandbox):
    """A test that moves money: the database, the live API and the Razorpay stand-in, with webhooks on."""
    provider_sandbox.config.send_webhooks = True
    _use_database(db)  # re-reads settings: the sandbox port and public URL above
    yield provider_sandbox


@pytest.fixture
def messaging(db, provider_sandbox):
    """A test that sends SMS, email and push for real: the database, the live API (status callbacks) and the
    Twilio, SMTP and Web Push stand-ins, with the outbox emptied first."""
    os.environ["KISAAN_SANDBOX_SMTP_PORT"] = str(provider_sandbox.config.smtp_port)
    provider_sandbox.outbox.clear()
    _use_database(db)  # re-reads settings: the sandbox ports and public URL
    yield provider_sandbox
    os.environ.pop("KISAAN_SANDBOX_SMTP_PORT", None)


def pytest_terminal_summary(terminalreporter):
    """The fuzz run's figures (operations and requests per role and database), so they are on record."""
    lines = [
        f"{report.nodeid.split('::')[-1]} {value}"
        for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "fuzz"
    ]
    if lines:
        terminalreporter.section("fuzz figures")
        for line in lines:
            terminalreporter.write_line(line)
