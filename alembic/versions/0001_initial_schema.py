"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 16:21:39.908304
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('mandi_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=80), nullable=False),
    sa.Column('district', sa.String(length=80), nullable=False),
    sa.Column('market', sa.String(length=120), nullable=False),
    sa.Column('commodity', sa.String(length=80), nullable=False),
    sa.Column('variety', sa.String(length=80), nullable=False),
    sa.Column('grade', sa.String(length=30), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=False),
    sa.Column('min_price_paise', sa.Integer(), nullable=False),
    sa.Column('max_price_paise', sa.Integer(), nullable=False),
    sa.Column('modal_price_paise', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.CheckConstraint('min_price_paise >= 0 AND min_price_paise <= modal_price_paise AND modal_price_paise <= max_price_paise', name='ck_mandi_price_order'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandi_price')),
    sa.UniqueConstraint('state', 'district', 'market', 'commodity', 'variety', 'grade', 'arrival_date', name='uq_mandi_price_row')
    )
    with op.batch_alter_table('mandi_price', schema=None) as batch_op:
        batch_op.create_index('ix_mandi_price_commodity_district_date', ['commodity', 'district', 'arrival_date'], unique=False)
        batch_op.create_index('ix_mandi_price_market_commodity_date', ['market', 'commodity', 'arrival_date'], unique=False)

    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('registration_number', sa.String(length=60), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=80), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('name', name=op.f('uq_organization_name'))
    )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_district'), ['district'], unique=False)

    op.create_table('realtime_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realtime_event'))
    )
    with op.batch_alter_table('realtime_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realtime_event_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_realtime_event_target_id', ['target', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_realtime_event_topic'), ['topic'], unique=False)

    op.create_table('webhook_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=120), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_event')),
    sa.UniqueConstraint('provider', 'event_id', name='uq_webhook_event_provider_event_id')
    )
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_event_event_type'), ['event_type'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('preferred_language', sa.String(length=8), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('farmer', 'buyer', 'org_admin', 'admin')", name='ck_user_role'),
    sa.CheckConstraint('phone IS NOT NULL OR email IS NOT NULL', name='ck_user_has_contact'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_user_account_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_email'), ['email'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_account_is_active'), ['is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_phone'), ['phone'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_account_role'), ['role'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_log_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_audit_log_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_log_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_organization_id'), ['organization_id'], unique=False)

    op.create_table('auth_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticket_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_auth_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_session'))
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_session_sid'), ['sid'], unique=True)
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)

    op.create_table('buyer_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('business_name', sa.String(length=200), nullable=True),
    sa.Column('gstin', sa.String(length=15), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_buyer_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_buyer_profile_user_id'))
    )
    with op.batch_alter_table('buyer_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buyer_profile_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_buyer_profile_gstin'), ['gstin'], unique=False)

    op.create_table('farmer_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('village', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=80), nullable=True),
    sa.Column('crops', sa.JSON(), nullable=False),
    sa.Column('land_area_acres', sa.Float(), nullable=True),
    sa.CheckConstraint('land_area_acres IS NULL OR land_area_acres >= 0', name='ck_farmer_land'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_farmer_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farmer_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_farmer_profile_user_id'))
    )
    with op.batch_alter_table('farmer_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_farmer_profile_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_farmer_profile_state'), ['state'], unique=False)

    op.create_table('listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('farmer_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('crop', sa.String(length=60), nullable=False),
    sa.Column('variety', sa.String(length=60), nullable=True),
    sa.Column('grade', sa.String(length=30), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('asking_price_paise', sa.Integer(), nullable=False),
    sa.Column('min_price_paise', sa.Integer(), nullable=True),
    sa.Column('district', sa.String(length=80), nullable=False),
    sa.Column('state', sa.String(length=80), nullable=False),
    sa.Column('village', sa.String(length=120), nullable=True),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('available_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'open', 'reserved', 'sold', 'closed', 'expired')", name='ck_listing_status'),
    sa.CheckConstraint("unit IN ('kg', 'quintal', 'tonne')", name='ck_listing_unit'),
    sa.CheckConstraint('asking_price_paise > 0', name='ck_listing_price_positive'),
    sa.CheckConstraint('min_price_paise IS NULL OR (min_price_paise > 0 AND min_price_paise <= asking_price_paise)', name='ck_listing_min_price'),
    sa.CheckConstraint('quantity > 0', name='ck_listing_quantity_positive'),
    sa.ForeignKeyConstraint(['farmer_id'], ['user_account.id'], name=op.f('fk_listing_farmer_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_listing_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing'))
    )
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_farmer_id'), ['farmer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_listing_status_crop_district', ['status', 'crop', 'district'], unique=False)

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('quiet_hours_start', sa.Time(), nullable=True),
    sa.Column('quiet_hours_end', sa.Time(), nullable=True),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
    sa.UniqueConstraint('user_id', name=op.f('uq_notification_preference_user_id'))
    )
    op.create_table('notification_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("category IN ('weather', 'prices', 'market', 'payments', 'system')", name='ck_notification_template_category'),
    sa.CheckConstraint("channel IN ('in_app', 'push', 'sms', 'email')", name='ck_notification_template_channel'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_notification_template_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_template')),
    sa.UniqueConstraint('key', 'channel', 'language', name='uq_notification_template_key_channel_language')
    )
    with op.batch_alter_table('notification_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_template_key'), ['key'], unique=False)

    op.create_table('push_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_count', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_push_subscription_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscription')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscription_endpoint'))
    )
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscription_user_id'), ['user_id'], unique=False)

    op.create_table('sensor_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('farmer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('api_key_hash', sa.String(length=128), nullable=False),
    sa.Column('crop', sa.String(length=60), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['farmer_id'], ['user_account.id'], name=op.f('fk_sensor_device_farmer_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_device')),
    sa.UniqueConstraint('api_key_hash', name=op.f('uq_sensor_device_api_key_hash'))
    )
    with op.batch_alter_table('sensor_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_device_farmer_id'), ['farmer_id'], unique=False)

    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.String(length=10), nullable=False),
    sa.Column('amount_paise', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('renews_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("plan IN ('monthly', 'yearly')", name='ck_subscription_plan'),
    sa.CheckConstraint("status IN ('pending', 'active', 'expired', 'cancelled')", name='ck_subscription_status'),
    sa.CheckConstraint('amount_paise > 0', name='ck_subscription_amount_positive'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_subscription_user_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription'))
    )
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_renews_at'), ['renews_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_user_id'), ['user_id'], unique=False)

    op.create_table('voice_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('dialect', sa.String(length=40), nullable=True),
    sa.Column('speech_rate', sa.Float(), nullable=False),
    sa.Column('ivr_enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_voice_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_voice_profile_user_id'))
    )
    op.create_table('weather_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('district', sa.String(length=80), nullable=False),
    sa.Column('state', sa.String(length=80), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("severity IN ('green', 'yellow', 'orange', 'red')", name='ck_weather_alert_severity'),
    sa.CheckConstraint('valid_until > valid_from', name='ck_weather_alert_validity'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_weather_alert_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_weather_alert_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weather_alert'))
    )
    with op.batch_alter_table('weather_alert', schema=None) as batch_op:
        batch_op.create_index('ix_weather_alert_district_valid_until', ['district', 'valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_weather_alert_organization_id'), ['organization_id'], unique=False)

    op.create_table('websocket_connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_token', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('process_id', sa.String(length=80), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('online', 'stale', 'closed')", name='ck_websocket_connection_status'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_websocket_connection_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_websocket_connection_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_websocket_connection')),
    sa.UniqueConstraint('client_token', name=op.f('uq_websocket_connection_client_token'))
    )
    with op.batch_alter_table('websocket_connection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_websocket_connection_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_websocket_connection_status_last_seen', ['status', 'last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_websocket_connection_user_id'), ['user_id'], unique=False)

    op.create_table('bid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('price_paise', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'countered', 'accepted', 'rejected', 'withdrawn', 'expired')", name='ck_bid_status'),
    sa.CheckConstraint('price_paise > 0', name='ck_bid_price_positive'),
    sa.CheckConstraint('quantity > 0', name='ck_bid_quantity_positive'),
    sa.ForeignKeyConstraint(['buyer_id'], ['user_account.id'], name=op.f('fk_bid_buyer_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_bid_listing_id_listing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid'))
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index('ix_bid_listing_status', ['listing_id', 'status'], unique=False)

    op.create_table('crop_health_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('farmer_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('crop', sa.String(length=60), nullable=False),
    sa.Column('issue_type', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('alert_raised', sa.Boolean(), nullable=False),
    sa.CheckConstraint("issue_type IN ('pest', 'disease', 'water_stress', 'nutrient', 'sensor', 'other')", name='ck_crop_health_report_issue_type'),
    sa.CheckConstraint("severity IN ('green', 'yellow', 'orange', 'red')", name='ck_crop_health_report_severity'),
    sa.CheckConstraint("source IN ('farmer', 'sensor')", name='ck_crop_health_report_source'),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name='ck_crop_health_report_status'),
    sa.ForeignKeyConstraint(['device_id'], ['sensor_device.id'], name=op.f('fk_crop_health_report_device_id_sensor_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['farmer_id'], ['user_account.id'], name=op.f('fk_crop_health_report_farmer_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_crop_health_report_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crop_health_report'))
    )
    with op.batch_alter_table('crop_health_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crop_health_report_device_id'), ['device_id'], unique=False)
        batch_op.create_index('ix_crop_health_report_farmer_created', ['farmer_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_crop_health_report_organization_id'), ['organization_id'], unique=False)

    op.create_table('notification_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.String(length=40), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('is_critical', sa.Boolean(), nullable=False),
    sa.Column('recipient', sa.String(length=1000), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('segments', sa.Integer(), nullable=True),
    sa.Column('provider_message_id', sa.String(length=120), nullable=True),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error_message', sa.String(length=500), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('in_app', 'push', 'sms', 'email')", name='ck_notification_history_channel'),
    sa.CheckConstraint("status IN ('pending', 'queued', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'skipped')", name='ck_notification_history_status'),
    sa.CheckConstraint('attempts >= 0', name='ck_notification_history_attempts'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_notification_history_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['notification_template.id'], name=op.f('fk_notification_history_template_id_notification_template'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_history_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_history')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notification_history_idempotency_key'))
    )
    with op.batch_alter_table('notification_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_history_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_notification_history_channel_status', ['channel', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_history_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_history_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_history_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_notification_history_user_read', ['user_id', 'channel', 'read_at'], unique=False)

    op.create_table('market_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('order_number', sa.String(length=30), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=True),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('farmer_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('price_paise', sa.Integer(), nullable=False),
    sa.Column('amount_paise', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending_payment', 'paid', 'dispatched', 'delivered', 'completed', 'cancelled', 'refunded')", name='ck_market_order_status'),
    sa.CheckConstraint('price_paise > 0 AND amount_paise > 0', name='ck_market_order_amounts_positive'),
    sa.CheckConstraint('quantity > 0', name='ck_market_order_quantity_positive'),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_market_order_bid_id_bid'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['buyer_id'], ['user_account.id'], name=op.f('fk_market_order_buyer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['farmer_id'], ['user_account.id'], name=op.f('fk_market_order_farmer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_market_order_listing_id_listing'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_market_order_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_order')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_market_order_bid_id')),
    sa.UniqueConstraint('order_number', name=op.f('uq_market_order_order_number'))
    )
    with op.batch_alter_table('market_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_order_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_order_farmer_id'), ['farmer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_order_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_order_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_order_status'), ['status'], unique=False)

    op.create_table('negotiation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('price_paise', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.CheckConstraint("kind IN ('offer', 'counter', 'accept', 'reject', 'withdraw', 'message')", name='ck_negotiation_kind'),
    sa.CheckConstraint('price_paise IS NULL OR price_paise > 0', name='ck_negotiation_price_positive'),
    sa.CheckConstraint('quantity IS NULL OR quantity > 0', name='ck_negotiation_quantity_positive'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_negotiation_author_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_negotiation_bid_id_bid'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_negotiation'))
    )
    with op.batch_alter_table('negotiation', schema=None) as batch_op:
        batch_op.create_index('ix_negotiation_bid_created', ['bid_id', 'created_at'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('market_order_id', sa.Integer(), nullable=True),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('amount_paise', sa.Integer(), nullable=False),
    sa.Column('amount_refunded_paise', sa.Integer(), server_default='0', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('receipt', sa.String(length=40), nullable=False),
    sa.Column('razorpay_order_id', sa.String(length=40), nullable=True),
    sa.Column('razorpay_payment_id', sa.String(length=40), nullable=True),
    sa.Column('razorpay_signature', sa.String(length=128), nullable=True),
    sa.Column('payment_link_id', sa.String(length=40), nullable=True),
    sa.Column('payment_link_url', sa.String(length=300), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('failure_code', sa.String(length=60), nullable=True),
    sa.Column('failure_reason', sa.String(length=300), nullable=True),
    sa.Column('authorized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.CheckConstraint("purpose IN ('market_order', 'subscription')", name='ck_payment_purpose'),
    sa.CheckConstraint("status IN ('created', 'attempted', 'authorized', 'captured', 'failed', 'refunded', 'partially_refunded')", name='ck_payment_status'),
    sa.CheckConstraint('amount_paise > 0', name='ck_payment_amount_positive'),
    sa.CheckConstraint('amount_refunded_paise >= 0 AND amount_refunded_paise <= amount_paise', name='ck_payment_refund_bounds'),
    sa.ForeignKeyConstraint(['market_order_id'], ['market_order.id'], name=op.f('fk_payment_market_order_id_market_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_payment_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payer_id'], ['user_account.id'], name=op.f('fk_payment_payer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], name=op.f('fk_payment_subscription_id_subscription'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('payment_link_id', name=op.f('uq_payment_payment_link_id')),
    sa.UniqueConstraint('razorpay_order_id', name=op.f('uq_payment_razorpay_order_id')),
    sa.UniqueConstraint('razorpay_payment_id', name=op.f('uq_payment_razorpay_payment_id')),
    sa.UniqueConstraint('receipt', name=op.f('uq_payment_receipt'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_market_order_id'), ['market_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_payer_id'), ['payer_id'], unique=False)
        batch_op.create_index('ix_payment_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('qr_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('razorpay_qr_id', sa.String(length=40), nullable=False),
    sa.Column('amount_paise', sa.Integer(), nullable=False),
    sa.Column('upi_payload', sa.String(length=500), nullable=True),
    sa.Column('image_url', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('close_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'paid', 'closed', 'expired')", name='ck_qr_session_status'),
    sa.CheckConstraint('amount_paise > 0', name='ck_qr_session_amount_positive'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_qr_session_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_qr_session_payment_id_payment'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_session')),
    sa.UniqueConstraint('razorpay_qr_id', name=op.f('uq_qr_session_razorpay_qr_id'))
    )
    with op.batch_alter_table('qr_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qr_session_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qr_session_status'), ['status'], unique=False)

    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount_paise', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('razorpay_refund_id', sa.String(length=40), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.String(length=300), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'processed', 'failed')", name='ck_refund_status'),
    sa.CheckConstraint('amount_paise > 0', name='ck_refund_amount_positive'),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_refund_payment_id_payment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_refund_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refund_idempotency_key')),
    sa.UniqueConstraint('razorpay_refund_id', name=op.f('uq_refund_razorpay_refund_id'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_payment_id'), ['payment_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_payment_id'))

    op.drop_table('refund')
    with op.batch_alter_table('qr_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qr_session_status'))
        batch_op.drop_index(batch_op.f('ix_qr_session_payment_id'))

    op.drop_table('qr_session')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_subscription_id'))
        batch_op.drop_index('ix_payment_status_created_at')
        batch_op.drop_index(batch_op.f('ix_payment_payer_id'))
        batch_op.drop_index(batch_op.f('ix_payment_organization_id'))
        batch_op.drop_index(batch_op.f('ix_payment_market_order_id'))

    op.drop_table('payment')
    with op.batch_alter_table('negotiation', schema=None) as batch_op:
        batch_op.drop_index('ix_negotiation_bid_created')

    op.drop_table('negotiation')
    with op.batch_alter_table('market_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_order_status'))
        batch_op.drop_index(batch_op.f('ix_market_order_organization_id'))
        batch_op.drop_index(batch_op.f('ix_market_order_listing_id'))
        batch_op.drop_index(batch_op.f('ix_market_order_farmer_id'))
        batch_op.drop_index(batch_op.f('ix_market_order_buyer_id'))

    op.drop_table('market_order')
    with op.batch_alter_table('notification_history', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_history_user_read')
        batch_op.drop_index(batch_op.f('ix_notification_history_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_history_provider_message_id'))
        batch_op.drop_index(batch_op.f('ix_notification_history_organization_id'))
        batch_op.drop_index('ix_notification_history_channel_status')
        batch_op.drop_index(batch_op.f('ix_notification_history_batch_id'))

    op.drop_table('notification_history')
    with op.batch_alter_table('crop_health_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crop_health_report_organization_id'))
        batch_op.drop_index('ix_crop_health_report_farmer_created')
        batch_op.drop_index(batch_op.f('ix_crop_health_report_device_id'))

    op.drop_table('crop_health_report')
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_index('ix_bid_listing_status')
        batch_op.drop_index(batch_op.f('ix_bid_buyer_id'))

    op.drop_table('bid')
    with op.batch_alter_table('websocket_connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_websocket_connection_user_id'))
        batch_op.drop_index('ix_websocket_connection_status_last_seen')
        batch_op.drop_index(batch_op.f('ix_websocket_connection_organization_id'))

    op.drop_table('websocket_connection')
    with op.batch_alter_table('weather_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weather_alert_organization_id'))
        batch_op.drop_index('ix_weather_alert_district_valid_until')

    op.drop_table('weather_alert')
    op.drop_table('voice_profile')
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_user_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_status'))
        batch_op.drop_index(batch_op.f('ix_subscription_renews_at'))

    op.drop_table('subscription')
    with op.batch_alter_table('sensor_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_device_farmer_id'))

    op.drop_table('sensor_device')
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_user_id'))

    op.drop_table('push_subscription')
    with op.batch_alter_table('notification_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_template_key'))

    op.drop_table('notification_template')
    op.drop_table('notification_preference')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_status_crop_district')
        batch_op.drop_index(batch_op.f('ix_listing_organization_id'))
        batch_op.drop_index(batch_op.f('ix_listing_farmer_id'))
        batch_op.drop_index(batch_op.f('ix_listing_expires_at'))

    op.drop_table('listing')
    with op.batch_alter_table('farmer_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_farmer_profile_state'))
        batch_op.drop_index(batch_op.f('ix_farmer_profile_district'))

    op.drop_table('farmer_profile')
    with op.batch_alter_table('buyer_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buyer_profile_gstin'))
        batch_op.drop_index(batch_op.f('ix_buyer_profile_district'))

    op.drop_table('buyer_profile')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_auth_session_sid'))
        batch_op.drop_index(batch_op.f('ix_auth_session_expires_at'))

    op.drop_table('auth_session')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_organization_id'))
        batch_op.drop_index('ix_audit_log_created_at')
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_role'))
        batch_op.drop_index(batch_op.f('ix_user_account_phone'))
        batch_op.drop_index(batch_op.f('ix_user_account_organization_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_is_active'))
        batch_op.drop_index(batch_op.f('ix_user_account_email'))

    op.drop_table('user_account')
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_event_event_type'))

    op.drop_table('webhook_event')
    with op.batch_alter_table('realtime_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_realtime_event_topic'))
        batch_op.drop_index('ix_realtime_event_target_id')
        batch_op.drop_index(batch_op.f('ix_realtime_event_expires_at'))

    op.drop_table('realtime_event')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_district'))

    op.drop_table('organization')
    with op.batch_alter_table('mandi_price', schema=None) as batch_op:
        batch_op.drop_index('ix_mandi_price_market_commodity_date')
        batch_op.drop_index('ix_mandi_price_commodity_district_date')

    op.drop_table('mandi_price')

