"""marketplace: remaining quantity, auto-accept price, photo, order hold, listing sort indexes

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("listing") as batch:
        batch.add_column(sa.Column("quantity_remaining", sa.Float(), server_default="0", nullable=False))
        batch.add_column(sa.Column("auto_accept_price_paise", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("photo_path", sa.String(length=200), nullable=True))
    # Listings made before this revision still have everything for sale that no order took.
    op.execute(
        "UPDATE listing SET quantity_remaining = quantity - COALESCE((SELECT SUM(o.quantity) FROM market_order o "
        "WHERE o.listing_id = listing.id AND o.status <> 'cancelled'), 0)"
    )
    op.execute("UPDATE listing SET quantity_remaining = 0 WHERE quantity_remaining < 0")
    with op.batch_alter_table("listing") as batch:
        batch.create_check_constraint(
            "ck_listing_remaining_bounds", "quantity_remaining >= 0 AND quantity_remaining <= quantity"
        )
        batch.create_check_constraint(
            "ck_listing_auto_accept_positive", "auto_accept_price_paise IS NULL OR auto_accept_price_paise > 0"
        )
        batch.create_index("ix_listing_status_created_at", ["status", "created_at"])
        batch.create_index("ix_listing_status_price", ["status", "asking_price_paise"])
    with op.batch_alter_table("market_order") as batch:
        batch.add_column(sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_market_order_hold_until", ["hold_until"])


def downgrade() -> None:
    with op.batch_alter_table("market_order") as batch:
        batch.drop_index("ix_market_order_hold_until")
        batch.drop_column("hold_until")
    with op.batch_alter_table("listing") as batch:
        batch.drop_index("ix_listing_status_price")
        batch.drop_index("ix_listing_status_created_at")
        batch.drop_constraint("ck_listing_auto_accept_positive", type_="check")
        batch.drop_constraint("ck_listing_remaining_bounds", type_="check")
        batch.drop_column("photo_path")
        batch.drop_column("auto_accept_price_paise")
        batch.drop_column("quantity_remaining")
