"""membership requests (joining an FPO is approved, not self-chosen) and SMS password reset codes

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "status = 'pending'"


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "membership_request",
        *_stamps(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'declined')", name="ck_membership_request_status"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_membership_request_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_membership_request_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_request_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_request")),
    )
    op.create_index(op.f("ix_membership_request_user_id"), "membership_request", ["user_id"])
    op.create_index("ix_membership_request_organization_status", "membership_request", ["organization_id", "status"])
    op.create_index(
        "uq_membership_request_pending_user",
        "membership_request",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )

    op.create_table(
        "password_reset_code",
        *_stamps(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invalidated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("attempts >= 0", name="ck_password_reset_code_attempts"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_password_reset_code_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_password_reset_code_requested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_code")),
    )
    op.create_index(op.f("ix_password_reset_code_user_id"), "password_reset_code", ["user_id"])
    op.create_index(op.f("ix_password_reset_code_expires_at"), "password_reset_code", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_password_reset_code_expires_at"), table_name="password_reset_code")
    op.drop_index(op.f("ix_password_reset_code_user_id"), table_name="password_reset_code")
    op.drop_table("password_reset_code")
    op.drop_index("uq_membership_request_pending_user", table_name="membership_request")
    op.drop_index("ix_membership_request_organization_status", table_name="membership_request")
    op.drop_index(op.f("ix_membership_request_user_id"), table_name="membership_request")
    op.drop_table("membership_request")
