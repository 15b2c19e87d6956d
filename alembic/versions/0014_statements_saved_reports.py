"""custom reports saved by admins and FPO admins, and their scheduled sends (once per report and period)

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('saved_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('measure', sa.String(length=30), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('schedule', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.CheckConstraint("schedule IN ('none', 'daily', 'weekly', 'monthly')", name='ck_saved_report_schedule'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_saved_report_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_saved_report_owner_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_report')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_saved_report_owner_name')
    )
    with op.batch_alter_table('saved_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_report_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_report_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_saved_report_schedule', ['schedule'], unique=False)

    op.create_table('saved_report_send',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=20), nullable=False),
    sa.Column('deliveries', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['saved_report.id'], name=op.f('fk_saved_report_send_report_id_saved_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_report_send')),
    sa.UniqueConstraint('report_id', 'period_key', name='uq_saved_report_send_report_period')
    )


def downgrade() -> None:
    op.drop_table('saved_report_send')
    with op.batch_alter_table('saved_report', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_report_schedule')
        batch_op.drop_index(batch_op.f('ix_saved_report_owner_id'))
        batch_op.drop_index(batch_op.f('ix_saved_report_organization_id'))

    op.drop_table('saved_report')
