"""Money to farmers: each seller's Razorpay Route linked account, and the seller's share of each sale (a payout).

A payout's figures obey one equation, checked by the database where it can and by tests everywhere:
    gross = fee + (transferred − reversed) + refunded
once the payout has caught up with its sale (services/payouts/ledger.py computes the target).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import Money, TableBase, UTCDateTime, check_in
from kisaan_app.models.enums import LinkedAccountStatus, PayoutStatus

LINKED_ACCOUNT_STATUSES = tuple(LinkedAccountStatus)
SETTLEMENT_KINDS = ("bank", "upi")
PAYOUT_STATUSES = tuple(PayoutStatus)


class LinkedAccount(TableBase, table=True):
    """Where a seller is paid: a farmer's own account, or their FPO's (organization_id set, user_id empty)."""

    __tablename__ = "linked_account"
    __table_args__ = (
        check_in("status", LINKED_ACCOUNT_STATUSES, "ck_linked_account_status"),
        check_in("settlement_kind", SETTLEMENT_KINDS, "ck_linked_account_settlement_kind"),
        sa.CheckConstraint("(user_id IS NULL) <> (organization_id IS NULL)", name="ck_linked_account_one_owner"),
    )

    user_id: int | None = Field(default=None, foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", unique=True, ondelete="CASCADE")
    status: str = Field(default=LinkedAccountStatus.PENDING, max_length=10)
    legal_name: str = Field(max_length=200)
    contact_name: str = Field(max_length=120)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=15)
    pan_last4: str | None = Field(default=None, max_length=4)  # the PAN goes to Razorpay; we keep a hint
    settlement_kind: str = Field(max_length=4)
    beneficiary_name: str = Field(max_length=120)
    account_last4: str | None = Field(default=None, max_length=4)
    ifsc: str | None = Field(default=None, max_length=11)
    upi_vpa: str | None = Field(default=None, max_length=100)
    razorpay_account_id: str | None = Field(default=None, max_length=40, unique=True)
    razorpay_product_id: str | None = Field(default=None, max_length=40)
    last_error: str | None = Field(default=None, max_length=300)


class Payout(TableBase, table=True):
    """The seller's share of one paid order: one per order, moved toward its target by an idempotent sync."""

    __tablename__ = "payout"
    __table_args__ = (
        check_in("status", PAYOUT_STATUSES, "ck_payout_status"),
        sa.CheckConstraint(
            "gross_paise > 0 AND fee_paise >= 0 AND transfer_paise >= 0 AND reversed_paise >= 0"
            " AND reversed_paise <= transfer_paise AND fee_paise + transfer_paise <= gross_paise",
            name="ck_payout_amounts",
        ),
        sa.Index("ix_payout_status_release_due_at", "status", "release_due_at"),
    )

    market_order_id: int = Field(foreign_key="market_order.id", unique=True, ondelete="RESTRICT")
    payment_id: int = Field(foreign_key="payment.id", index=True, ondelete="RESTRICT")
    seller_id: int = Field(foreign_key="user_account.id", index=True, ondelete="RESTRICT")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    linked_account_id: int | None = Field(default=None, foreign_key="linked_account.id", ondelete="RESTRICT")
    status: str = Field(default=PayoutStatus.PENDING, max_length=16)
    gross_paise: int = Field(sa_type=Money)  # what the buyer paid for the order
    fee_bps: int  # the fee rate agreed when the order was paid (a later change of setting never touches it)
    fee_paise: int = Field(sa_type=Money)  # the platform's share of what was kept (gross − refunded)
    transfer_paise: int = Field(default=0, sa_type=Money)  # sent to the linked account (0 before the transfer)
    reversed_paise: int = Field(default=0, sa_type=Money)  # taken back from it for refunds
    refunded_paise: int = Field(default=0, sa_type=Money)  # the refunds this payout has caught up with
    razorpay_transfer_id: str | None = Field(default=None, max_length=40, unique=True)
    on_hold: bool = Field(default=True)
    release_due_at: datetime = Field(sa_type=UTCDateTime)  # delivery confirmed, or capture + dispute window
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    settlement_id: str | None = Field(default=None, max_length=40, index=True)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sync_claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # one sync at a time
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=300)
    mismatch: str | None = Field(default=None, max_length=300)  # reconciliation's finding, for an admin
