"""The Agmarknet pull fetches, then writes (issue 19): while the next page is being fetched no transaction of
ours is open, so a slow data.gov.in never holds the database's write lock; each batch commits on its own."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.feeds_agmarknet import pull_in_batches
from kisaan_app.models.feeds import MandiPrice
from tests.unit.test_agmarknet import _record


def _write_at_once(url: str) -> None:
    """A write from a connection of its own that will not wait for a lock (raises if one is held)."""
    postgres = url.startswith("postgresql")
    engine = sa.create_engine(url, connect_args={} if postgres else {"timeout": 0.2})
    try:
        with engine.begin() as conn:
            if postgres:
                conn.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
            conn.execute(sa.text("UPDATE mandi_price SET updated_at = updated_at"))
    finally:
        engine.dispose()


def test_pages_are_fetched_with_no_transaction_open_and_stored_in_batches(db):
    yesterday = date.today() - timedelta(days=1)
    stored_while_fetching: list[int] = []

    def pages():
        for n in range(7):
            if n and n % 3 == 0:  # asking for the next page: the batches so far are committed, nothing is held
                _write_at_once(db)
                with session_scope() as session:
                    stored_while_fetching.append(session.exec(select(func.count()).select_from(MandiPrice)).one())
            yield _record(yesterday, f"Market {n}", 2000 + n)

    report = pull_in_batches(session_scope, pages(), batch_size=3)
    assert (report.inserted, report.updated, report.skipped) == (7, 0, [])
    assert stored_while_fetching == [3, 6]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(MandiPrice)).one() == 7
