"""notifications: bulk-send campaigns, app secrets (the VAPID key pair), a due-retry index

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "notification_campaign",
        *_base_columns(),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("template_key", sa.String(length=80), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("is_critical", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recipients", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('weather', 'prices', 'market', 'payments', 'system')",
            name="ck_notification_campaign_category",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_notification_campaign_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_notification_campaign_organization_id_organization"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_campaign")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_notification_campaign_batch_id")),
    )
    with op.batch_alter_table("notification_campaign") as batch:
        batch.create_index(batch.f("ix_notification_campaign_created_by_id"), ["created_by_id"], unique=False)
        batch.create_index(batch.f("ix_notification_campaign_organization_id"), ["organization_id"], unique=False)
    op.create_table(
        "app_secret",
        *_base_columns(),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_secret")),
        sa.UniqueConstraint("name", name=op.f("uq_app_secret_name")),
    )
    with op.batch_alter_table("notification_history") as batch:
        batch.create_index("ix_notification_history_status_next_attempt", ["status", "next_attempt_at"])


def downgrade() -> None:
    with op.batch_alter_table("notification_history") as batch:
        batch.drop_index("ix_notification_history_status_next_attempt")
    op.drop_table("app_secret")
    with op.batch_alter_table("notification_campaign") as batch:
        batch.drop_index(batch.f("ix_notification_campaign_organization_id"))
        batch.drop_index(batch.f("ix_notification_campaign_created_by_id"))
    op.drop_table("notification_campaign")
