"""Backups: data made through the services, backed up, restored into a fresh database, every row found again
(SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore); the CLI, the refusal to
overwrite data, the nightly job and keeping the newest N."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from kisaan_app import __main__ as cli
from kisaan_app.db import session_scope
from kisaan_app.services import accounts, backups
from kisaan_app.services.errors import Conflict, ValidationFailed
from kisaan_app.services.market import bids, listings
from kisaan_app.settings import get_settings
from kisaan_app.tasks.backups import nightly_backup
from tests.factories import make_org, make_user, token_for
from tests.services import create_pg_database, drop_pg_database


def _make_data() -> None:
    """Rows in many tables, each through its service: people, an FPO, logins, a listing with a bid, demo seed."""
    from kisaan_app.seed import seed_demo, seed_notifications, seed_orders

    org = make_org("Backup Growers FPO")
    farmer = make_user("farmer", org_id=org, district="Nashik", name="Ramesh Backup")
    buyer = make_user("buyer", name="Imran Backup")
    farmer_token, buyer_token = token_for(farmer), token_for(buyer)
    with session_scope() as session:
        seller = accounts.principal_for_token(session, farmer_token)
        data = listings.ListingInput("Onion", 40, "quintal", 210_000, "Nashik", "Maharashtra")
        listing_id = listings.create_listing(session, seller, None, data).id
    with session_scope() as session:
        bidder = accounts.principal_for_token(session, buyer_token)
        bids.place_bid(session, bidder, None, listing_id, 5, 190_000, "Hindi: ठीक है")
    with session_scope() as session:
        seed_demo(session)
    with session_scope() as session:
        seed_notifications(session)
    with session_scope() as session:
        seed_orders(session)


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order (plus PostgreSQL's sequence positions)."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            rows = {
                table.name: [
                    tuple(row)
                    for row in conn.execute(
                        sa.select(table).order_by(*(table.primary_key.columns or table.columns))
                    ).all()
                ]
                for table in metadata.sorted_tables
            }
            if engine.dialect.name == "postgresql":
                rows["(sequences)"] = sorted(
                    tuple(r) for r in conn.execute(sa.text("SELECT sequencename, last_value FROM pg_sequences"))
                )
        return rows
    finally:
        engine.dispose()


@pytest.fixture
def fresh_database(database, tmp_path):
    """An empty database of the same kind as the run's, for restoring into."""
    if database.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = create_pg_database("kisaan_restore")
    yield url
    drop_pg_database(url)


def test_backup_restores_every_row_into_a_fresh_database(db, fresh_database, tmp_path):
    _make_data()
    before = _snapshot(db)
    assert len([t for t, rows in before.items() if rows]) >= 8, "the data should reach many tables"
    assert before["user_account"] and before["listing"] and before["bid"]

    path = backups.backup(db, tmp_path / "backups")
    assert backups.NAME.match(path.name) and path.stat().st_size > 0
    assert not list((tmp_path / "backups").glob("*.partial"))

    assert backups.tables_with_rows(fresh_database) == []
    backups.restore(fresh_database, path)
    assert _snapshot(fresh_database) == before

    # The restored database now holds rows: a second restore needs --force, and then changes nothing.
    with pytest.raises(Conflict) as refused:
        backups.restore(fresh_database, path)
    assert refused.value.code == "backup_target_not_empty"
    backups.restore(fresh_database, path, force=True)
    assert _snapshot(fresh_database) == before


def test_restore_refuses_the_wrong_kind_of_file(db, fresh_database, tmp_path):
    wrong = tmp_path / ("not-a-backup" + (".sqlite3" if db.startswith("sqlite") else ".pgdump"))
    wrong.write_bytes(b"this is not a database")
    with pytest.raises(ValidationFailed) as err:
        backups.restore(fresh_database, wrong)
    assert err.value.code == "backup_file_invalid"
    other_kind = tmp_path / ("x.pgdump" if db.startswith("sqlite") else "x.sqlite3")
    other_kind.write_bytes(b"")
    with pytest.raises(ValidationFailed):
        backups.restore(fresh_database, other_kind)


def test_cli_backup_then_restore(db, fresh_database, tmp_path, monkeypatch, capsys):
    make_user("farmer", name="CLI Farmer")
    before = _snapshot(db)
    monkeypatch.setenv("KISAAN_BACKUP_DIR", str(tmp_path / "cli-backups"))
    get_settings.cache_clear()
    try:
        assert cli.main(["backup"]) == 0
        path = Path(capsys.readouterr().out.strip())
        assert path.parent == tmp_path / "cli-backups" and path.is_file()

        monkeypatch.setenv("DATABASE_URL", fresh_database)
        get_settings.cache_clear()
        assert cli.main(["restore", str(path)]) == 0
        assert _snapshot(fresh_database) == before
        assert cli.main(["restore", str(path)]) == 2  # now not empty
        assert "--force" in capsys.readouterr().err
        assert cli.main(["restore", str(path), "--force"]) == 0
    finally:  # the rest of the run reads the suite's database again
        monkeypatch.setenv("DATABASE_URL", db)
        get_settings.cache_clear()


def test_nightly_job_keeps_the_newest_n(db, tmp_path, monkeypatch):
    folder = tmp_path / "nightly"
    folder.mkdir()
    kind = "sqlite" if db.startswith("sqlite") else "postgresql"
    old = [folder / backups.backup_name(kind, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i)) for i in range(4)]
    for path in old:
        path.write_bytes(b"older backup")
    stranger = folder / "operator-notes.txt"  # not ours: never deleted
    stranger.write_text("keep me")
    monkeypatch.setattr(get_settings(), "backup_dir", folder)
    monkeypatch.setattr(get_settings(), "backup_keep", 3)

    newest = Path(nightly_backup.call_local())
    kept = backups.list_backups(folder)
    assert kept[0] == newest and len(kept) == 3
    assert kept[1:] == [old[3], old[2]]
    assert stranger.exists()

    monkeypatch.setattr(get_settings(), "backup_keep", 0)  # switched off
    assert nightly_backup.call_local() is None
    assert len(backups.list_backups(folder)) == 3
