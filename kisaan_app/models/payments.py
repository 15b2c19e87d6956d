"""Money: payments (integer paise, forward-only states), refunds, provider webhooks and farmers' plans."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import Money, TableBase, UTCDateTime, check_in
from kisaan_app.models.enums import AutoRefundStatus, PaymentStatus, RefundStatus, SubscriptionStatus

PAYMENT_PURPOSES = ("market_order", "subscription")
PAYMENT_STATUSES = tuple(PaymentStatus)
# A payment still able to take money: at most one per order and per plan (partial unique indexes below).
OPEN_PAYMENT_STATES = (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED, PaymentStatus.AUTHORIZED)
AUTO_REFUND_REASONS = ("duplicate_capture", "order_cancelled", "plan_superseded")
AUTO_REFUND_STATUSES = tuple(AutoRefundStatus)


def _where_in(column: str, values: tuple[str, ...]) -> sa.TextClause:
    return sa.text(f"{column} IN ({', '.join(repr(str(v)) for v in values)})")  # str: a member's repr is not SQL


REFUND_STATUSES = tuple(RefundStatus)
SUBSCRIPTION_PLANS = ("monthly", "yearly")
SUBSCRIPTION_STATUSES = tuple(SubscriptionStatus)


class Payment(TableBase, table=True):
    __tablename__ = "payment"
    __table_args__ = (
        check_in("purpose", PAYMENT_PURPOSES, "ck_payment_purpose"),
        check_in("status", PAYMENT_STATUSES, "ck_payment_status"),
        sa.CheckConstraint("amount_paise > 0", name="ck_payment_amount_positive"),
        sa.CheckConstraint(
            "amount_refunded_paise >= 0 AND amount_refunded_paise <= amount_paise", name="ck_payment_refund_bounds"
        ),
        sa.Index("ix_payment_status_created_at", "status", "created_at"),
        sa.Index("ix_payment_created_at", "created_at"),  # reports: payment success over a period (0012)
        # One open payment per order and per plan: two tabs, a double click or the farm-gate QR racing the
        # buyer's checkout all end on the same row (the loser of the INSERT race reads the winner's).
        sa.Index(
            "uq_payment_open_market_order",
            "market_order_id",
            unique=True,
            sqlite_where=_where_in("status", OPEN_PAYMENT_STATES),
            postgresql_where=_where_in("status", OPEN_PAYMENT_STATES),
        ),
        sa.Index(
            "uq_payment_open_subscription",
            "subscription_id",
            unique=True,
            sqlite_where=_where_in("status", OPEN_PAYMENT_STATES),
            postgresql_where=_where_in("status", OPEN_PAYMENT_STATES),
        ),
    )

    payer_id: int = Field(foreign_key="user_account.id", index=True, ondelete="RESTRICT")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    purpose: str = Field(max_length=20)
    market_order_id: int | None = Field(default=None, foreign_key="market_order.id", index=True, ondelete="RESTRICT")
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id", index=True, ondelete="RESTRICT")
    amount_paise: int = Field(sa_type=Money)
    amount_refunded_paise: int = Field(default=0, sa_type=Money, sa_column_kwargs={"server_default": "0"})
    currency: str = Field(default="INR", max_length=3)
    status: str = Field(default=PaymentStatus.CREATED, max_length=20)
    receipt: str = Field(max_length=40, unique=True)
    razorpay_order_id: str | None = Field(default=None, max_length=40, unique=True)
    razorpay_payment_id: str | None = Field(default=None, max_length=40, unique=True)
    razorpay_signature: str | None = Field(default=None, max_length=128)
    payment_link_id: str | None = Field(default=None, max_length=40, unique=True)
    payment_link_url: str | None = Field(default=None, max_length=300)
    method: str | None = Field(default=None, max_length=20)  # upi | card | netbanking | wallet
    failure_code: str | None = Field(default=None, max_length=60)
    failure_reason: str | None = Field(default=None, max_length=300)
    authorized_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    captured_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: dict = Field(default_factory=dict, sa_type=sa.JSON)


class Refund(TableBase, table=True):
    __tablename__ = "refund"
    __table_args__ = (
        check_in("status", REFUND_STATUSES, "ck_refund_status"),
        sa.CheckConstraint("amount_paise > 0", name="ck_refund_amount_positive"),
    )

    payment_id: int = Field(foreign_key="payment.id", index=True, ondelete="RESTRICT")
    amount_paise: int = Field(sa_type=Money)
    status: str = Field(default=RefundStatus.PENDING, max_length=12)
    reason: str = Field(max_length=300)
    idempotency_key: str = Field(max_length=80, unique=True)  # sent to Razorpay as X-Refund-Idempotency
    razorpay_refund_id: str | None = Field(default=None, max_length=40, unique=True)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure_reason: str | None = Field(default=None, max_length=300)


class WebhookEvent(TableBase, table=True):
    """Every provider webhook we accepted; the unique (provider, event_id) makes a redelivery a no-op."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        sa.UniqueConstraint("provider", "event_id", name="uq_webhook_event_provider_event_id"),
        sa.Index("ix_webhook_event_created_at", "created_at"),  # reports: webhook error rate (0012)
    )

    provider: str = Field(max_length=20)  # razorpay | twilio
    event_id: str = Field(max_length=120)
    event_type: str = Field(max_length=60, index=True)
    payload: dict = Field(default_factory=dict, sa_type=sa.JSON)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)


class Subscription(TableBase, table=True):
    """A farmer's paid advisory plan; becomes active when its payment is captured."""

    __tablename__ = "subscription"
    __table_args__ = (
        check_in("plan", SUBSCRIPTION_PLANS, "ck_subscription_plan"),
        check_in("status", SUBSCRIPTION_STATUSES, "ck_subscription_status"),
        sa.CheckConstraint("amount_paise > 0", name="ck_subscription_amount_positive"),
        # At most one pending and one active plan per farmer.
        sa.Index(
            "uq_subscription_pending_user",
            "user_id",
            unique=True,
            sqlite_where=sa.text(f"status = '{SubscriptionStatus.PENDING}'"),
            postgresql_where=sa.text(f"status = '{SubscriptionStatus.PENDING}'"),
        ),
        sa.Index(
            "uq_subscription_active_user",
            "user_id",
            unique=True,
            sqlite_where=sa.text(f"status = '{SubscriptionStatus.ACTIVE}'"),
            postgresql_where=sa.text(f"status = '{SubscriptionStatus.ACTIVE}'"),
        ),
    )

    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="RESTRICT")
    plan: str = Field(max_length=10)
    amount_paise: int = Field(sa_type=Money)
    status: str = Field(default=SubscriptionStatus.PENDING, max_length=12, index=True)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    renews_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AutoRefund(TableBase, table=True):
    """Money that arrived where no sale wants it, to be given back without anyone asking.

    A second capture on an already paid order, a capture for a cancelled order, or for a superseded plan.
    The row is written in the webhook's transaction; a job makes the Razorpay refund after commit (never a
    provider call inside a transaction) and the unique attempt id makes it once per captured attempt."""

    __tablename__ = "auto_refund"
    __table_args__ = (
        check_in("reason", AUTO_REFUND_REASONS, "ck_auto_refund_reason"),
        check_in("status", AUTO_REFUND_STATUSES, "ck_auto_refund_status"),
        sa.CheckConstraint("amount_paise > 0", name="ck_auto_refund_amount_positive"),
    )

    payment_id: int = Field(foreign_key="payment.id", index=True, ondelete="RESTRICT")
    razorpay_payment_id: str = Field(max_length=40, unique=True)  # the captured attempt to give back
    amount_paise: int = Field(sa_type=Money)
    reason: str = Field(max_length=20)
    status: str = Field(default=AutoRefundStatus.PENDING, max_length=10, index=True)
    razorpay_refund_id: str | None = Field(default=None, max_length=40)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, max_length=300)
