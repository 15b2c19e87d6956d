"""workflows: crop-health cases (acknowledged, advised, escalated, closed), member imports from CSV, and the
crop_health and account message kinds

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

OLD_REPORT = "'open', 'acknowledged', 'resolved'"
NEW_REPORT = "'open', 'acknowledged', 'advised', 'resolved'"
OLD_CATEGORIES = "'weather', 'prices', 'market', 'payments', 'system'"
NEW_CATEGORIES = "'weather', 'prices', 'market', 'payments', 'crop_health', 'account', 'system'"


def _checks(report: str, categories: str) -> None:
    with op.batch_alter_table("crop_health_report") as batch:
        batch.drop_constraint("ck_crop_health_report_status", type_="check")
        batch.create_check_constraint("ck_crop_health_report_status", f"status IN ({report})")
    for table in ("notification_template", "notification_campaign"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"ck_{table}_category", type_="check")
            batch.create_check_constraint(f"ck_{table}_category", f"category IN ({categories})")


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('done_rows', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('existing_count', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done')", name='ck_member_import_status'),
    sa.CheckConstraint('done_rows >= 0 AND done_rows <= total_rows', name='ck_member_import_progress'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_member_import_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_member_import_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_import')),
    sa.UniqueConstraint('organization_id', 'file_sha256', name='uq_member_import_org_file')
    )
    with op.batch_alter_table('member_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_import_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_member_import_status_claimed', ['status', 'claimed_until'], unique=False)

    op.create_table('member_import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('village', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('crops', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.CheckConstraint("outcome IN ('pending', 'created', 'existing')", name='ck_member_import_row_outcome'),
    sa.ForeignKeyConstraint(['import_id'], ['member_import.id'], name=op.f('fk_member_import_row_import_id_member_import'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_member_import_row_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_import_row')),
    sa.UniqueConstraint('import_id', 'line', name='uq_member_import_row_line')
    )
    with op.batch_alter_table('member_import_row', schema=None) as batch_op:
        batch_op.create_index('ix_member_import_row_import_outcome', ['import_id', 'outcome', 'line'], unique=False)

    with op.batch_alter_table('crop_health_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('advice', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('advised_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('advised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_crop_health_report_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_crop_health_report_acknowledged_by_id_user_account'), 'user_account', ['acknowledged_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_crop_health_report_advised_by_id_user_account'), 'user_account', ['advised_by_id'], ['id'], ondelete='SET NULL')

    _checks(NEW_REPORT, NEW_CATEGORIES)


def downgrade() -> None:
    op.execute("UPDATE crop_health_report SET status = 'acknowledged' WHERE status = 'advised'")
    op.execute("DELETE FROM notification_template WHERE category IN ('crop_health', 'account')")
    op.execute("UPDATE notification_campaign SET category = 'system' WHERE category IN ('crop_health', 'account')")
    _checks(OLD_REPORT, OLD_CATEGORIES)
    with op.batch_alter_table('crop_health_report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_crop_health_report_advised_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_crop_health_report_acknowledged_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_crop_health_report_status_created')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('advised_at')
        batch_op.drop_column('advised_by_id')
        batch_op.drop_column('advice')
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('acknowledged_by_id')

    with op.batch_alter_table('member_import_row', schema=None) as batch_op:
        batch_op.drop_index('ix_member_import_row_import_outcome')

    op.drop_table('member_import_row')
    with op.batch_alter_table('member_import', schema=None) as batch_op:
        batch_op.drop_index('ix_member_import_status_claimed')
        batch_op.drop_index(batch_op.f('ix_member_import_organization_id'))

    op.drop_table('member_import')
