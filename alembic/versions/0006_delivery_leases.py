"""per-delivery leases: a worker's claim on a delivery, apart from its retry time

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_history") as batch:
        batch.add_column(sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
        batch.create_index("ix_notification_history_status_leased_until", ["status", "leased_until"])


def downgrade() -> None:
    with op.batch_alter_table("notification_history") as batch:
        batch.drop_index("ix_notification_history_status_leased_until")
        batch.drop_column("lease_token")
        batch.drop_column("leased_until")
