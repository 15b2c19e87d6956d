"""The marketplace: produce listings, buyers' bids, the offer/counter-offer thread, orders and UPI QR sessions."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import Money, Quantity, TableBase, UTCDateTime, check_in
from kisaan_app.models.enums import BidStatus, ListingStatus, OrderStatus, QRStatus

UNITS = ("kg", "quintal", "tonne")
LISTING_STATUSES = tuple(ListingStatus)
BID_STATUSES = tuple(BidStatus)
NEGOTIATION_KINDS = ("offer", "counter", "accept", "reject", "withdraw", "message")
ORDER_STATUSES = tuple(OrderStatus)
QR_STATUSES = tuple(QRStatus)


class Listing(TableBase, table=True):
    """Produce a farmer offers: quantity in a unit, asking price in paise per unit."""

    __tablename__ = "listing"
    __table_args__ = (
        check_in("unit", UNITS, "ck_listing_unit"),
        check_in("status", LISTING_STATUSES, "ck_listing_status"),
        sa.CheckConstraint("quantity > 0", name="ck_listing_quantity_positive"),
        sa.CheckConstraint("asking_price_paise > 0", name="ck_listing_price_positive"),
        sa.CheckConstraint(
            "min_price_paise IS NULL OR (min_price_paise > 0 AND min_price_paise <= asking_price_paise)",
            name="ck_listing_min_price",
        ),
        sa.CheckConstraint(
            "quantity_remaining >= 0 AND quantity_remaining <= quantity", name="ck_listing_remaining_bounds"
        ),
        sa.CheckConstraint(
            "auto_accept_price_paise IS NULL OR auto_accept_price_paise > 0", name="ck_listing_auto_accept_positive"
        ),
        sa.Index("ix_listing_status_crop_district", "status", "crop", "district"),
        sa.Index("ix_listing_status_created_at", "status", "created_at"),
        sa.Index("ix_listing_status_price", "status", "asking_price_paise"),
        # One listing per rendered sell form: a double tap or a retried request cannot list the produce twice.
        sa.Index("uq_listing_form_key", "created_by_id", "form_key", unique=True),
        sa.Index("ix_listing_organization_created_at", "organization_id", "created_at"),  # reports (0012)
    )

    farmer_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    crop: str = Field(max_length=60)
    variety: str | None = Field(default=None, max_length=60)
    grade: str | None = Field(default=None, max_length=30)
    quantity: float = Field(sa_type=Quantity)
    # What is still for sale; accepting an offer takes from it in one guarded UPDATE, so the database itself
    # refuses to sell the same quintal twice (the CHECK keeps it within 0..quantity).
    quantity_remaining: float = Field(default=0, sa_type=Quantity, sa_column_kwargs={"server_default": "0"})
    unit: str = Field(default="quintal", max_length=10)
    asking_price_paise: int = Field(sa_type=Money)  # the farmer's reserve price per unit, shown to buyers
    # Bids at or above this (per unit) are accepted at once.
    auto_accept_price_paise: int | None = Field(default=None, sa_type=Money)
    photo_path: str | None = Field(default=None, max_length=200)
    # Below this the farmer does not negotiate; never shown to buyers.
    min_price_paise: int | None = Field(default=None, sa_type=Money)
    district: str = Field(max_length=80)
    state: str = Field(max_length=80)
    village: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=1000)
    status: str = Field(default=ListingStatus.OPEN, max_length=10)
    available_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # Who pressed "List" (the farmer, or their FPO admin) and the key of that form (services/market/form_keys.py).
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    form_key: str | None = Field(default=None, max_length=64)


class Bid(TableBase, table=True):
    __tablename__ = "bid"
    __table_args__ = (
        check_in("status", BID_STATUSES, "ck_bid_status"),
        sa.CheckConstraint("quantity > 0", name="ck_bid_quantity_positive"),
        sa.CheckConstraint("price_paise > 0", name="ck_bid_price_positive"),
        sa.Index("ix_bid_listing_status", "listing_id", "status"),
    )

    listing_id: int = Field(foreign_key="listing.id", ondelete="CASCADE")
    buyer_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    quantity: float = Field(sa_type=Quantity)
    price_paise: int = Field(sa_type=Money)  # per listing unit; the latest agreed or offered figure
    status: str = Field(default=BidStatus.OPEN, max_length=10)
    message: str | None = Field(default=None, max_length=500)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Negotiation(TableBase, table=True):
    """One message in a bid's thread: an offer, a counter-offer, an acceptance or plain words."""

    __tablename__ = "negotiation"
    __table_args__ = (
        check_in("kind", NEGOTIATION_KINDS, "ck_negotiation_kind"),
        sa.CheckConstraint("price_paise IS NULL OR price_paise > 0", name="ck_negotiation_price_positive"),
        sa.CheckConstraint("quantity IS NULL OR quantity > 0", name="ck_negotiation_quantity_positive"),
        sa.Index("ix_negotiation_bid_created", "bid_id", "created_at"),
        # One offer per rendered bid/counter form: a double tap sends the figure once.
        sa.Index("uq_negotiation_form_key", "author_id", "form_key", unique=True),
    )

    bid_id: int = Field(foreign_key="bid.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)
    price_paise: int | None = Field(default=None, sa_type=Money)
    quantity: float | None = Field(default=None, sa_type=Quantity)
    message: str | None = Field(default=None, max_length=500)
    form_key: str | None = Field(default=None, max_length=64)


class MarketOrder(TableBase, table=True):
    """An accepted bid turned into a sale; paid through Payment rows."""

    __tablename__ = "market_order"
    __table_args__ = (
        check_in("status", ORDER_STATUSES, "ck_market_order_status"),
        sa.CheckConstraint("quantity > 0", name="ck_market_order_quantity_positive"),
        sa.CheckConstraint("price_paise > 0 AND amount_paise > 0", name="ck_market_order_amounts_positive"),
        # Reports (revision 0012): an FPO's sales and orders by time, the platform's sales by day.
        sa.Index("ix_market_order_organization_paid_at", "organization_id", "paid_at"),
        sa.Index("ix_market_order_organization_created_at", "organization_id", "created_at"),
        sa.Index("ix_market_order_paid_at", "paid_at"),
    )

    order_number: str = Field(max_length=30, unique=True)
    listing_id: int = Field(foreign_key="listing.id", index=True, ondelete="RESTRICT")
    bid_id: int | None = Field(default=None, foreign_key="bid.id", unique=True, ondelete="SET NULL")
    buyer_id: int = Field(foreign_key="user_account.id", index=True, ondelete="RESTRICT")
    farmer_id: int = Field(foreign_key="user_account.id", index=True, ondelete="RESTRICT")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    quantity: float = Field(sa_type=Quantity)
    unit: str = Field(default="quintal", max_length=10)
    price_paise: int = Field(sa_type=Money)
    amount_paise: int = Field(sa_type=Money)
    status: str = Field(default=OrderStatus.PENDING_PAYMENT, max_length=16, index=True)
    hold_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)  # unpaid → released after
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refunded_paise: int = Field(default=0, sa_type=Money, sa_column_kwargs={"server_default": "0"})
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # "dispatched" may be undone briefly


class QRSession(TableBase, table=True):
    """A single-use, fixed-amount UPI QR code shown to a buyer paying in person; closed once paid."""

    __tablename__ = "qr_session"
    __table_args__ = (
        check_in("status", QR_STATUSES, "ck_qr_session_status"),
        sa.CheckConstraint("amount_paise > 0", name="ck_qr_session_amount_positive"),
    )

    payment_id: int = Field(foreign_key="payment.id", index=True, ondelete="RESTRICT")
    razorpay_qr_id: str = Field(max_length=40, unique=True)
    amount_paise: int = Field(sa_type=Money)
    upi_payload: str | None = Field(default=None, max_length=500)  # the upi:// string the QR encodes
    image_url: str | None = Field(default=None, max_length=300)
    status: str = Field(default=QRStatus.ACTIVE, max_length=10, index=True)
    close_by: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
