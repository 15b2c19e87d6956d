"""money to farmers: sellers' Razorpay Route linked accounts and the payout (seller's share) of each paid order

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linked_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=15), nullable=False),
        sa.Column("pan_last4", sa.String(length=4), nullable=True),
        sa.Column("settlement_kind", sa.String(length=4), nullable=False),
        sa.Column("beneficiary_name", sa.String(length=120), nullable=False),
        sa.Column("account_last4", sa.String(length=4), nullable=True),
        sa.Column("ifsc", sa.String(length=11), nullable=True),
        sa.Column("upi_vpa", sa.String(length=100), nullable=True),
        sa.Column("razorpay_account_id", sa.String(length=40), nullable=True),
        sa.Column("razorpay_product_id", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint("settlement_kind IN ('bank', 'upi')", name="ck_linked_account_settlement_kind"),
        sa.CheckConstraint("status IN ('pending', 'active', 'failed')", name="ck_linked_account_status"),
        sa.CheckConstraint("(user_id IS NULL) <> (organization_id IS NULL)", name="ck_linked_account_one_owner"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_linked_account_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_linked_account_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_account")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_linked_account_organization_id")),
        sa.UniqueConstraint("razorpay_account_id", name=op.f("uq_linked_account_razorpay_account_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_linked_account_user_id")),
    )
    op.create_table(
        "payout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("market_order_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("linked_account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gross_paise", sa.BigInteger(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("transfer_paise", sa.BigInteger(), nullable=False),
        sa.Column("reversed_paise", sa.BigInteger(), nullable=False),
        sa.Column("refunded_paise", sa.BigInteger(), nullable=False),
        sa.Column("razorpay_transfer_id", sa.String(length=40), nullable=True),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("release_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settlement_id", sa.String(length=40), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("mismatch", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "status IN ('awaiting_account', 'pending', 'on_hold', 'released', 'settled', 'reversed', 'cancelled', 'failed')",
            name="ck_payout_status",
        ),
        sa.CheckConstraint(
            "gross_paise > 0 AND fee_paise >= 0 AND transfer_paise >= 0 AND reversed_paise >= 0 AND reversed_paise <= transfer_paise AND fee_paise + transfer_paise <= gross_paise",
            name="ck_payout_amounts",
        ),
        sa.ForeignKeyConstraint(
            ["linked_account_id"],
            ["linked_account.id"],
            name=op.f("fk_payout_linked_account_id_linked_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["market_order_id"],
            ["market_order.id"],
            name=op.f("fk_payout_market_order_id_market_order"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_payout_organization_id_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_payout_payment_id_payment"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["user_account.id"], name=op.f("fk_payout_seller_id_user_account"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout")),
        sa.UniqueConstraint("market_order_id", name=op.f("uq_payout_market_order_id")),
        sa.UniqueConstraint("razorpay_transfer_id", name=op.f("uq_payout_razorpay_transfer_id")),
    )
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_settlement_id"), ["settlement_id"], unique=False)
        batch_op.create_index("ix_payout_status_release_due_at", ["status", "release_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_status_release_due_at")
        batch_op.drop_index(batch_op.f("ix_payout_settlement_id"))
        batch_op.drop_index(batch_op.f("ix_payout_seller_id"))
        batch_op.drop_index(batch_op.f("ix_payout_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payout_organization_id"))

    op.drop_table("payout")
    op.drop_table("linked_account")
