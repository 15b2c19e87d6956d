"""money integrity: 64-bit paise, exact quantities, one open payment per order/plan, automatic refunds

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = {
    "payment": ["amount_paise", "amount_refunded_paise"],
    "refund": ["amount_paise"],
    "subscription": ["amount_paise"],
    "listing": ["asking_price_paise", "auto_accept_price_paise", "min_price_paise"],
    "bid": ["price_paise"],
    "negotiation": ["price_paise"],
    "market_order": ["price_paise", "amount_paise"],
    "qr_session": ["amount_paise"],
}
# Quantities become integer thousandths of their unit (see models.base.Quantity).
QUANTITY = {
    "listing": ["quantity", "quantity_remaining"],
    "bid": ["quantity"],
    "negotiation": ["quantity"],
    "market_order": ["quantity"],
}
OPEN = "status IN ('created', 'attempted', 'authorized')"
OLD_STATUSES = "'created', 'attempted', 'authorized', 'captured', 'failed', 'refunded', 'partially_refunded'"
NEW_STATUSES = (
    "'created', 'attempted', 'authorized', 'captured', 'failed', 'cancelled', 'refunded', 'partially_refunded'"
)


def _nullable(table: str, column: str) -> bool:
    return column in ("auto_accept_price_paise", "min_price_paise") or table == "negotiation"


def _retype(table: str, columns: list[str], new: sa.types.TypeEngine, old: sa.types.TypeEngine) -> None:
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.alter_column(
                column,
                type_=new,
                existing_type=old,
                existing_nullable=_nullable(table, column),
                postgresql_using=f"{column}::{new.compile(dialect=op.get_bind().dialect)}",
            )


def upgrade() -> None:
    # Scale while the columns are still floats (SQLite's table copy would CAST 2.5 to 2), then retype.
    for table, columns in QUANTITY.items():
        sets = ", ".join(f"{c} = ROUND({c} * 1000)" for c in columns)
        op.execute(f"UPDATE {table} SET {sets}")
        _retype(table, columns, sa.BigInteger(), sa.Float())
    for table, columns in MONEY.items():
        _retype(table, columns, sa.BigInteger(), sa.Integer())

    with op.batch_alter_table("market_order") as batch:
        batch.add_column(sa.Column("refunded_paise", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("payment") as batch:
        batch.drop_constraint("ck_payment_status", type_="check")
        batch.create_check_constraint("ck_payment_status", f"status IN ({NEW_STATUSES})")

    # Earlier duplicates (from before the rule) must not stop the indexes: keep each order's newest open one.
    for column in ("market_order_id", "subscription_id"):
        op.execute(
            f"UPDATE payment SET status = 'cancelled' WHERE {OPEN} AND {column} IS NOT NULL AND id < "
            f"(SELECT MAX(p.id) FROM payment p WHERE p.{column} = payment.{column} AND p.{OPEN})"
        )
        op.create_index(
            f"uq_payment_open_{column.removesuffix('_id')}",
            "payment",
            [column],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
    for status, leftover in (("pending", "cancelled"), ("active", "expired")):
        op.execute(
            f"UPDATE subscription SET status = '{leftover}' WHERE status = '{status}' AND id < "
            f"(SELECT MAX(s.id) FROM subscription s WHERE s.user_id = subscription.user_id AND s.status = '{status}')"
        )
        op.create_index(
            f"uq_subscription_{status}_user",
            "subscription",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text(f"status = '{status}'"),
            postgresql_where=sa.text(f"status = '{status}'"),
        )

    op.create_table(
        "auto_refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("razorpay_payment_id", sa.String(length=40), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("razorpay_refund_id", sa.String(length=40), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "reason IN ('duplicate_capture', 'order_cancelled', 'plan_superseded')", name="ck_auto_refund_reason"
        ),
        sa.CheckConstraint("status IN ('pending', 'requested', 'failed')", name="ck_auto_refund_status"),
        sa.CheckConstraint("amount_paise > 0", name="ck_auto_refund_amount_positive"),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_auto_refund_payment_id_payment"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_refund")),
        sa.UniqueConstraint("razorpay_payment_id", name=op.f("uq_auto_refund_razorpay_payment_id")),
    )
    op.create_index(op.f("ix_auto_refund_payment_id"), "auto_refund", ["payment_id"])
    op.create_index(op.f("ix_auto_refund_status"), "auto_refund", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_auto_refund_status"), table_name="auto_refund")
    op.drop_index(op.f("ix_auto_refund_payment_id"), table_name="auto_refund")
    op.drop_table("auto_refund")
    for status in ("active", "pending"):
        op.drop_index(f"uq_subscription_{status}_user", table_name="subscription")
    for name in ("subscription", "market_order"):
        op.drop_index(f"uq_payment_open_{name}", table_name="payment")
    op.execute("UPDATE payment SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("payment") as batch:
        batch.drop_constraint("ck_payment_status", type_="check")
        batch.create_check_constraint("ck_payment_status", f"status IN ({OLD_STATUSES})")
    with op.batch_alter_table("market_order") as batch:
        batch.drop_column("refunded_paise")
    for table, columns in MONEY.items():
        _retype(table, columns, sa.Integer(), sa.BigInteger())
    for table, columns in QUANTITY.items():
        _retype(table, columns, sa.Float(), sa.BigInteger())
        sets = ", ".join(f"{c} = {c} / 1000.0" for c in columns)
        op.execute(f"UPDATE {table} SET {sets}")
