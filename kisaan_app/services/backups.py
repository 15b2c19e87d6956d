"""Backups and restores of the configured database, and keeping the newest N.

SQLite: the sqlite3 online backup API, so a backup taken while the app and the worker write is a consistent
snapshot (copying the file could catch half a transaction, or miss what still sits in the WAL).
PostgreSQL: `pg_dump -Fc` and `pg_restore` (the client must be the server's major version or newer). The
password travels in PGPASSWORD, never on a command line other users can read in `ps`.

A backup is written under a temporary name and renamed when complete, so a file that looks like a backup
always is one. Restore refuses a database that already holds rows unless forced: restoring over live data
is the one mistake a backup tool must not make easy.
"""

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from kisaan_app.services.errors import Conflict, DomainError, ValidationFailed

log = logging.getLogger(__name__)
PREFIX = "kisaansay-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
NAME = re.compile(r"^kisaansay-\d{8}T\d{6}\.\d{6}Z\.(sqlite3|pgdump)$")
TOOL_TIMEOUT = 3600  # seconds: a dump or restore that takes longer than an hour has hung
IGNORED_TABLES = {"alembic_version"}  # a freshly migrated database has this row and is still "empty"


class BackupFailed(DomainError):
    status = 500
    code = "backup_failed"


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in SUFFIXES:
        raise ValidationFailed("backup_unsupported_database", backend=backend)
    return backend


def backup_name(kind: str, at: datetime | None = None) -> str:
    """kisaansay-YYYYMMDDTHHMMSS.ffffffZ.<sqlite3|pgdump>: sorting by name sorts by time."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    return f"{PREFIX}{at:%Y%m%dT%H%M%S.%f}Z{SUFFIXES[kind]}"


def backup(database_url: str, folder: Path) -> Path:
    """Write a timestamped backup of the database into `folder`; returns its path."""
    url = make_url(database_url)
    kind = _kind(url)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / backup_name(kind)
    partial = target.with_name(target.name + ".partial")
    try:
        if kind == "sqlite":
            _sqlite_backup(url, partial)
        else:
            _run_pg_tool(url, ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial)])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("backup written: %s (%d bytes)", target, target.stat().st_size)
    return target


def restore(database_url: str, file: Path, *, force: bool = False) -> None:
    """Replace the database's contents with the backup in `file`. Refuses a database with rows unless `force`."""
    url = make_url(database_url)
    kind = _kind(url)
    if not file.is_file() or not file.name.endswith(SUFFIXES[kind]):
        raise ValidationFailed("backup_file_invalid", file=file.name, expected=SUFFIXES[kind])
    if kind == "sqlite":
        _sqlite_check(file)
    else:
        _run_pg_tool(url, ["pg_restore", "--list", str(file)], connect=False)
    if not force and (filled := tables_with_rows(database_url)):
        raise Conflict("backup_target_not_empty", tables=len(filled))
    if kind == "sqlite":
        _sqlite_restore(file, url)
    else:
        _run_pg_tool(
            url,
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
            + ["--exit-on-error", "--dbname", url.database or "", str(file)],
        )
    log.info("restored %s into the %s database", file.name, kind)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder` (only files this module named); returns the deleted."""
    if keep < 1:
        raise ValidationFailed("backup_keep_invalid", keep=keep)
    ours = sorted((p for p in folder.glob(f"{PREFIX}*") if NAME.match(p.name)), key=lambda p: p.name)
    doomed = ours[:-keep]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def list_backups(folder: Path) -> list[Path]:
    """Backups in `folder`, newest first."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if NAME.match(p.name)), key=lambda p: p.name, reverse=True)


def tables_with_rows(database_url: str) -> list[str]:
    """Tables (other than Alembic's bookkeeping) holding at least one row; a missing SQLite file has none."""
    url = make_url(database_url)
    if _kind(url) == "sqlite" and not Path(url.database or "").is_file():
        return []
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = [n for n in sa.inspect(conn).get_table_names() if n not in IGNORED_TABLES]
            quote = conn.dialect.identifier_preparer.quote
            return [n for n in names if conn.execute(sa.text(f"SELECT 1 FROM {quote(n)} LIMIT 1")).first()]
    finally:
        engine.dispose()


# --- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ValidationFailed("backup_unsupported_database", backend="sqlite in memory")
    return Path(url.database)


def _sqlite_backup(url: URL, target: Path) -> None:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupFailed(reason=f"no database file {source.name}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)  # never creates an empty database
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _sqlite_check(file: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        ok = False
    if not ok:
        raise ValidationFailed("backup_file_invalid", file=file.name, expected=SUFFIXES["sqlite"])


def _sqlite_restore(file: Path, url: URL) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # page by page under the destination's write lock: readers see before or after
    finally:
        dst.close()
        src.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _run_pg_tool(url: URL, command: list[str], *, connect: bool = True) -> None:
    if shutil.which(command[0]) is None:
        raise BackupFailed(reason=f"{command[0]} is not installed (Debian: postgresql-client)")
    env = dict(os.environ)
    if connect:
        env.update(
            {
                key: str(value)
                for key, value in {
                    "PGHOST": url.host,
                    "PGPORT": url.port,
                    "PGUSER": url.username,
                    "PGPASSWORD": url.password,
                    "PGDATABASE": url.database,
                }.items()
                if value is not None
            }
        )
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise BackupFailed(reason=f"{command[0]} took longer than {TOOL_TIMEOUT} s") from None
    if done.returncode != 0:
        # The tool's own words go to the log (they may name hosts); the error says which tool and how it ended.
        log.error("%s failed (exit %d): %s", command[0], done.returncode, done.stderr.strip()[-2000:])
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        if command[:2] == ["pg_restore", "--list"]:
            raise ValidationFailed("backup_file_invalid", file=command[-1].rsplit("/", 1)[-1], expected=".pgdump")
        raise BackupFailed(reason=f"{command[0]}: {last[:300]}")
