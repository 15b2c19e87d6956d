"""SMS commands: inbound SMS recorded beside the sends (notification_history.direction), and each number's SMS
consent (sms_consent: STOP / START)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_history") as batch:
        batch.add_column(sa.Column("direction", sa.String(length=8), server_default="outbound", nullable=False))
        batch.create_check_constraint("ck_notification_history_direction", "direction IN ('outbound', 'inbound')")
    op.create_table(
        "sms_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("keyword", sa.String(length=40), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_sms_consent_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_consent")),
        sa.UniqueConstraint("phone", name=op.f("uq_sms_consent_phone")),
    )
    with op.batch_alter_table("sms_consent") as batch:
        batch.create_index(batch.f("ix_sms_consent_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sms_consent") as batch:
        batch.drop_index(batch.f("ix_sms_consent_user_id"))
    op.drop_table("sms_consent")
    with op.batch_alter_table("notification_history") as batch:
        batch.drop_constraint("ck_notification_history_direction", type_="check")
        batch.drop_column("direction")
