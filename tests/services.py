"""Reaching the real PostgreSQL and Redis the suite runs against (a skip locally, a failure in CI)."""

import os
import uuid

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("KISAAN_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("KISAAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(what: str, err: Exception):
    message = f"{what} not reachable: {err}"
    if os.environ.get("KISAAN_REQUIRE_SERVICES") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def create_pg_database(prefix: str = "kisaan_test") -> str:
    """A brand-new PostgreSQL database for this run; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as err:  # noqa: BLE001
        unavailable("PostgreSQL", err)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


def require_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as err:  # noqa: BLE001
        unavailable("Redis", err)
    return REDIS_TEST_URL
