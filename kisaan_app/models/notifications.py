"""Web Push subscriptions, message templates, per-person preferences and one row per delivery."""

from datetime import datetime, time

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase, UTCDateTime, check_in
from kisaan_app.models.enums import CampaignStatus, DeliveryStatus

CHANNELS = ("in_app", "push", "sms", "email")
CATEGORIES = ("weather", "prices", "market", "payments", "crop_health", "account", "system")
DELIVERY_STATUSES = tuple(DeliveryStatus)
DIRECTIONS = ("outbound", "inbound")  # inbound: an SMS a person sent us (services/sms_commands)


class PushSubscription(TableBase, table=True):
    """A browser's Web Push endpoint and keys; a 404/410 from the push service deletes the row."""

    __tablename__ = "push_subscription"

    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    user_agent: str | None = Field(default=None, max_length=300)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class NotificationTemplate(TableBase, table=True):
    """A message per channel and language; body and subject are sandboxed Jinja2 with declared variables."""

    __tablename__ = "notification_template"
    __table_args__ = (
        sa.UniqueConstraint("key", "channel", "language", name="uq_notification_template_key_channel_language"),
        check_in("channel", CHANNELS, "ck_notification_template_channel"),
        check_in("category", CATEGORIES, "ck_notification_template_category"),
    )

    key: str = Field(max_length=80, index=True)  # e.g. weather.red_alert
    channel: str = Field(max_length=10)
    language: str = Field(default="en", max_length=8)
    category: str = Field(default="system", max_length=20)
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(sa_type=sa.Text)
    html_body: str | None = Field(default=None, sa_type=sa.Text)
    variables: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    is_active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class NotificationPreference(TableBase, table=True):
    """One row per person: which channels each category uses, and quiet hours (critical alerts bypass them)."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    # {"weather": ["in_app", "push", "sms"], "prices": ["in_app"], ...}; a missing category uses the defaults.
    channels: dict = Field(default_factory=dict, sa_type=sa.JSON)
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    timezone: str = Field(default="Asia/Kolkata", max_length=40)


class NotificationHistory(TableBase, table=True):
    """One delivery (recipient x channel): written before any provider call, updated by tasks and callbacks."""

    __tablename__ = "notification_history"
    __table_args__ = (
        check_in("channel", CHANNELS, "ck_notification_history_channel"),
        check_in("status", DELIVERY_STATUSES, "ck_notification_history_status"),
        check_in("direction", DIRECTIONS, "ck_notification_history_direction"),
        sa.CheckConstraint("attempts >= 0", name="ck_notification_history_attempts"),
        sa.Index("ix_notification_history_user_read", "user_id", "channel", "read_at"),
        sa.Index("ix_notification_history_channel_status", "channel", "status"),
        # The retry sweeper reads due rows by status and time (revision 0003).
        sa.Index("ix_notification_history_status_next_attempt", "status", "next_attempt_at"),
        # ...and rows whose worker died holding them (revision 0006).
        sa.Index("ix_notification_history_status_leased_until", "status", "leased_until"),
        sa.Index("ix_notification_history_created_at", "created_at"),  # reports: reach over a period (0012)
    )

    idempotency_key: str = Field(max_length=120, unique=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    template_id: int | None = Field(default=None, foreign_key="notification_template.id", ondelete="SET NULL")
    batch_id: str | None = Field(default=None, max_length=40, index=True)  # a bulk send groups its deliveries
    channel: str = Field(max_length=10)
    # "inbound" rows are SMS people sent us (their commands): recipient is then the sender's number.
    direction: str = Field(default="outbound", max_length=8, sa_column_kwargs={"server_default": "outbound"})
    category: str = Field(default="system", max_length=20)
    is_critical: bool = False
    recipient: str = Field(max_length=1000)  # E.164 phone, email address, push endpoint or user:{id}
    language: str = Field(default="en", max_length=8)
    subject: str | None = Field(default=None, max_length=200)
    body: str = Field(sa_type=sa.Text)
    data: dict = Field(default_factory=dict, sa_type=sa.JSON)  # e.g. the url a push click opens
    status: str = Field(default=DeliveryStatus.PENDING, max_length=12)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    segments: int | None = None  # SMS parts
    provider_message_id: str | None = Field(default=None, max_length=120, index=True)
    error_code: str | None = Field(default=None, max_length=40)
    error_message: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when a retry is due
    # A worker's claim: until then no one else sends this row; past it, the sweeper may (same idempotency key).
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_token: str | None = Field(default=None, max_length=32)  # which claim holds it: a late answer loses
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationCampaign(TableBase, table=True):
    """A bulk send: its deliveries share `batch_id`; progress is counted from them, never stored twice."""

    __tablename__ = "notification_campaign"
    __table_args__ = (check_in("category", CATEGORIES, "ck_notification_campaign_category"),)

    batch_id: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    audience: dict = Field(default_factory=dict, sa_type=sa.JSON)
    channels: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    category: str = Field(default="system", max_length=20)
    template_key: str | None = Field(default=None, max_length=80)
    subject: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, sa_type=sa.Text)
    is_critical: bool = False
    total: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # recipients x channels, once queued
    recipients: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    status: str = Field(default=CampaignStatus.QUEUED, max_length=12)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SmsConsent(TableBase, table=True):
    """Whether a phone number takes SMS from us: STOP opts it out of every SMS on every sender path, START
    back in (services/notifications/sms_consent.py). Kept per number, not per account: carriers require an
    opt-out to hold for unregistered numbers too. Each change is also written to the audit log."""

    __tablename__ = "sms_consent"

    phone: str = Field(max_length=20, unique=True)  # E.164, as Twilio's From gives it
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    opted_out: bool = Field(default=False)
    keyword: str = Field(default="", max_length=40)  # the word that changed it ("STOP", "बंद", ...)
    message_sid: str | None = Field(default=None, max_length=64)  # the inbound SMS that changed it


class AppSecret(TableBase, table=True):
    """Keys the app makes for itself once and every process must share (the VAPID key pair)."""

    __tablename__ = "app_secret"

    name: str = Field(max_length=60, unique=True)
    value: dict = Field(default_factory=dict, sa_type=sa.JSON)
