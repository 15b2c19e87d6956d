"""String enums shared by models, services and pages."""

from enum import StrEnum


class Role(StrEnum):
    FARMER = "farmer"
    BUYER = "buyer"
    ORG_ADMIN = "org_admin"
    ADMIN = "admin"


class Language(StrEnum):
    EN = "en"
    HI = "hi"


SELF_SIGNUP_ROLES = (Role.FARMER, Role.BUYER)


# Statuses. Values are what the database stores (CHECK constraints list them), so renaming a value needs a
# migration; a StrEnum member equals its value, so rows read back as plain strings compare equal to members.


class MembershipStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class ListingStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    RESERVED = "reserved"
    SOLD = "sold"
    CLOSED = "closed"
    EXPIRED = "expired"


class BidStatus(StrEnum):
    OPEN = "open"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class QRStatus(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    CLOSED = "closed"
    EXPIRED = "expired"


class PaymentStatus(StrEnum):
    """Forward order; "failed" may follow created/attempted only (services/payments/lifecycle.py enforces it).
    "cancelled": its order was cancelled before money arrived (money that still arrives is refunded)."""

    CREATED = "created"
    ATTEMPTED = "attempted"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class RefundStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class AutoRefundStatus(StrEnum):
    PENDING = "pending"
    REQUESTED = "requested"
    FAILED = "failed"


class SubscriptionStatus(StrEnum):
    """A farmer's plan."""

    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """One message to one person on one channel (NotificationHistory)."""

    PENDING = "pending"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    SKIPPED = "skipped"


class CampaignStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class ReportStatus(StrEnum):
    """A crop-health report."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # an FPO admin or extension worker has taken it up
    ADVISED = "advised"  # advice was sent to the farmer
    RESOLVED = "resolved"  # closed: by the farmer, or by the helper


class ConnectionStatus(StrEnum):
    ONLINE = "online"
    STALE = "stale"
    CLOSED = "closed"


class LinkedAccountStatus(StrEnum):
    """A seller's Razorpay Route account: being set up (our row reserved, provider calls under way), active
    (settlements configured, transfers can go to it), or failed (Razorpay refused it; the form can try again)."""

    PENDING = "pending"
    ACTIVE = "active"
    FAILED = "failed"


class PayoutStatus(StrEnum):
    """The seller's share of one sale (services/payouts/ledger.py). awaiting_account: no linked account yet;
    pending: a transfer is to be made; on_hold: transferred, held until delivery or the dispute window;
    released: the hold is lifted; settled: in the seller's bank; reversed: given back for a full refund;
    cancelled: refunded before any transfer; failed: Razorpay refused the transfer (an admin looks)."""

    AWAITING_ACCOUNT = "awaiting_account"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RELEASED = "released"
    SETTLED = "settled"
    REVERSED = "reversed"
    CANCELLED = "cancelled"
    FAILED = "failed"
