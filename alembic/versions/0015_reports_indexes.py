"""reports indexes: the reads the report pages and exports make (issue 15) — an FPO's sales and orders by time,
the platform's sales, payments, deliveries and webhooks by time, an FPO's listings by time

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns); bench/reports.py drops and recreates exactly these to measure what they buy.
INDEXES = (
    ("ix_market_order_organization_paid_at", "market_order", ["organization_id", "paid_at"]),
    ("ix_market_order_organization_created_at", "market_order", ["organization_id", "created_at"]),
    ("ix_market_order_paid_at", "market_order", ["paid_at"]),
    ("ix_listing_organization_created_at", "listing", ["organization_id", "created_at"]),
    ("ix_payment_created_at", "payment", ["created_at"]),
    ("ix_notification_history_created_at", "notification_history", ["created_at"]),
    ("ix_webhook_event_created_at", "webhook_event", ["created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
