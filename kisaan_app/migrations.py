"""`python -m kisaan_app migrate up|status|rollback`: Alembic driven from Python, with paths that work from anywhere."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlmodel.sql.sqltypes import AutoString

from kisaan_app.models.base import UTCDateTime
from kisaan_app.settings import PROJECT_ROOT, get_settings, normalise_database_url


def render_item(type_, obj, autogen_context):
    """Write our custom column types as plain SQLAlchemy types, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def compare_type(context_, inspected_column, metadata_column, inspected_type, metadata_type):
    """UTCDateTime is a DateTime underneath: a DateTime column in the database is not a difference."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, sa.DateTime)
    return None  # Alembic's default comparison for everything else


def _config(url: str | None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # ConfigParser treats % as interpolation: escape it (PostgreSQL passwords may contain one).
    config.set_main_option("sqlalchemy.url", _resolve(url).replace("%", "%%"))
    return config


def _resolve(url: str | None) -> str:
    url = normalise_database_url(url) if url else get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no data/ yet
    return url


def upgrade(revision: str = "head", url: str | None = None) -> None:
    command.upgrade(_config(url), revision)


def downgrade(revision: str = "-1", url: str | None = None) -> None:
    command.downgrade(_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    engine = sa.create_engine(_resolve(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config(None)).get_current_head()


def status(url: str | None = None) -> str:
    """One line a person can read: where the database is and whether it is up to date."""
    current, head = current_revision(url), head_revision()
    where = make_url(_resolve(url)).render_as_string(hide_password=True)
    state = "up to date" if current == head else f"behind (head is {head})"
    return f"database {where}: revision {current or 'none (empty)'}, {state}"
