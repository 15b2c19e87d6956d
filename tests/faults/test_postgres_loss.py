"""PostgreSQL drops the app's connections (pg_terminate_backend), and for a while takes no new ones.

The API runs as a real process on a database of this test's own. Its pooled connections are killed under it:
the next request still answers (the pool's pre-ping finds the dead connection and opens a new one). While the
database refuses connections: requests fail with a clear 503 in the error shape (code database_unavailable,
Retry-After, the reader's language), reads and writes alike, and /api/health says the database is down. Once it
takes connections again: the same process answers 200 again, without a restart.

KISAAN_FAULT_POSTGRES_OUTAGE_SECONDS sets how long the database refuses connections (default 3).
"""

import os
import time
from contextlib import ExitStack

import httpx
import pytest
import sqlalchemy as sa

from kisaan_app import migrations
from tests.api_process import api_server, people, wait_up
from tests.factories import bearer
from tests.services import PG_ADMIN_URL, create_pg_database, drop_pg_database

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = float(os.environ.get("KISAAN_FAULT_POSTGRES_OUTAGE_SECONDS", "3"))
ANSWER_SECONDS = 10
RECOVERY_SECONDS = 20


def _admin(sql: str, name: str) -> int:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql.replace("{db}", name)), {"name": name}).rowcount
    finally:
        engine.dispose()


def _terminate_backends(name: str) -> int:
    """Kill every connection to the test's database: what a restart or failover does to the app's pool."""
    return _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()",
        name,
    )


def _refused_in_its_shape(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    error = response.json()["error"]
    assert error["code"] == "database_unavailable" and error["message"], error


def test_the_api_answers_503_while_postgres_is_gone_and_recovers_without_a_restart(tmp_path):
    database_url = create_pg_database("kisaan_fault_pg")
    name = database_url.rsplit("/", 1)[1]
    try:
        migrations.upgrade("head", url=database_url)
        who = people(database_url)
        farmer, admin = bearer(who["farmer"]), bearer(who["admin"])
        with ExitStack() as stack:
            base = stack.enter_context(api_server("app", database_url, None, tmp_path))
            wait_up([base], tmp_path)
            client = stack.enter_context(httpx.Client(base_url=base, timeout=ANSWER_SECONDS))
            for _ in range(3):  # fill the pool with connections to kill
                assert client.get("/api/users/me", headers=farmer).status_code == 200

            assert _terminate_backends(name) >= 1
            # The pool's pre-ping replaces each dead connection as it is checked out: no error at all.
            assert client.get("/api/users/me", headers=farmer).status_code == 200

            _admin('ALTER DATABASE "{db}" ALLOW_CONNECTIONS false', name)
            try:
                assert _terminate_backends(name) >= 1
                started, refused = time.monotonic(), 0
                while time.monotonic() - started < OUTAGE_SECONDS:
                    _refused_in_its_shape(client.get("/api/users/me", headers=farmer))
                    write = client.post(
                        "/api/events/broadcast", json={"message": "lost?", "level": "info"}, headers=admin
                    )
                    _refused_in_its_shape(write)
                    refused += 2
                    time.sleep(0.2)
                hindi = client.get("/api/users/me", headers={**farmer, "Accept-Language": "hi"})
                _refused_in_its_shape(hindi)
                message = hindi.json()["error"]["message"]
                assert any("\u0900" <= ch <= "\u097f" for ch in message), message
                health = client.get("/api/health")
                assert health.status_code == 503 and health.json()["checks"]["database"]["status"] == "down"
            finally:
                _admin('ALTER DATABASE "{db}" ALLOW_CONNECTIONS true', name)

            back, deadline = time.monotonic(), time.monotonic() + RECOVERY_SECONDS
            while (response := client.get("/api/users/me", headers=farmer)).status_code != 200:
                _refused_in_its_shape(response)
                assert time.monotonic() < deadline, "the API did not recover without a restart"
                time.sleep(0.2)
            recovered = time.monotonic() - back
            sent = client.post("/api/events/broadcast", json={"message": "back", "level": "info"}, headers=admin)
            assert sent.status_code == 202, sent.text
            assert client.get("/api/health").json()["checks"]["database"]["status"] == "up"
            print(
                f"\nPostgreSQL gone {OUTAGE_SECONDS:.0f} s: {refused} requests refused with 503; "
                f"answering again {recovered * 1000:.0f} ms after it took connections"
            )
    finally:
        drop_pg_database(database_url)
