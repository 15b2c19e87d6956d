"""form keys (a double tap makes one listing / one offer), the dispatch undo stamp, names normalised to the glossary

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns whose names a farmer picks from a list, and the glossary kind each holds.
NAMED = (
    ("listing", "crop", "crop"),
    ("listing", "district", "district"),
    ("listing", "state", "state"),
    ("farmer_profile", "district", "district"),
    ("farmer_profile", "state", "state"),
)


def upgrade() -> None:
    with op.batch_alter_table("listing") as batch:
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("form_key", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_listing_created_by_id_user_account"),
            "user_account",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("uq_listing_form_key", ["created_by_id", "form_key"], unique=True)
    with op.batch_alter_table("negotiation") as batch:
        batch.add_column(sa.Column("form_key", sa.String(length=64), nullable=True))
        batch.create_index("uq_negotiation_form_key", ["author_id", "form_key"], unique=True)
    with op.batch_alter_table("market_order") as batch:
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    _normalise_names()


def _normalise_names() -> None:
    """"nashik ", "Nasik" and "नाशिक" written before this revision become the one district the app now stores."""
    from kisaan_app.services import glossary

    bind = op.get_bind()
    for table, column, kind in NAMED:
        names = bind.execute(sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")).scalars()
        for name in list(names):
            wanted = glossary.canonical(kind, name)
            if wanted and wanted != name:
                bind.execute(
                    sa.text(f"UPDATE {table} SET {column} = :wanted WHERE {column} = :name"),
                    {"wanted": wanted, "name": name},
                )


def downgrade() -> None:
    with op.batch_alter_table("market_order") as batch:
        batch.drop_column("dispatched_at")
    with op.batch_alter_table("negotiation") as batch:
        batch.drop_index("uq_negotiation_form_key")
        batch.drop_column("form_key")
    with op.batch_alter_table("listing") as batch:
        batch.drop_index("uq_listing_form_key")
        batch.drop_constraint(op.f("fk_listing_created_by_id_user_account"), type_="foreignkey")
        batch.drop_column("form_key")
        batch.drop_column("created_by_id")
