"""Alembic wired to the SQLModel tables and to Kisaansay's settings.

The URL comes from (first found): a connection passed in `config.attributes["connection"]`, the
`sqlalchemy.url` main option set by kisaan_app.migrations, `-x url=...`, then settings (DATABASE_URL).
"""

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import kisaan_app.models  # noqa: F401 - registers every table on SQLModel.metadata
from kisaan_app.migrations import compare_type, render_item

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    from kisaan_app.settings import get_settings, normalise_database_url

    url = config.get_main_option("sqlalchemy.url") or context.get_x_argument(as_dictionary=True).get("url")
    return normalise_database_url(url) if url else get_settings().database_url


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can only ALTER by copying the table
        compare_type=compare_type,
        render_item=render_item,
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(_url(), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
