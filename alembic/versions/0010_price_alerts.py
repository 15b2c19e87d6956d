"""farmers' price alert rules (crop, market or district, above / below a price or a % move in a day)

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('price_alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('commodity', sa.String(length=80), nullable=False),
    sa.Column('market', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('threshold_paise', sa.BigInteger(), nullable=True),
    sa.Column('move_percent', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_fired_on', sa.Date(), nullable=True),
    sa.CheckConstraint("(kind = 'move' AND move_percent BETWEEN 1 AND 100 AND threshold_paise IS NULL) OR (kind <> 'move' AND threshold_paise > 0 AND move_percent IS NULL)", name='ck_price_alert_rule_threshold'),
    sa.CheckConstraint("kind IN ('above', 'below', 'move')", name='ck_price_alert_rule_kind'),
    sa.CheckConstraint('(market IS NULL) <> (district IS NULL)', name='ck_price_alert_rule_place'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_price_alert_rule_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_alert_rule'))
    )
    with op.batch_alter_table('price_alert_rule', schema=None) as batch_op:
        batch_op.create_index('ix_price_alert_rule_commodity_active', ['commodity', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_alert_rule_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('price_alert_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_alert_rule_user_id'))
        batch_op.drop_index('ix_price_alert_rule_commodity_active')

    op.drop_table('price_alert_rule')
