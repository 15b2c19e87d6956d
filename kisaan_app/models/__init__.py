"""Every table, importable from one place; importing this package registers them all on SQLModel.metadata."""

from kisaan_app.models.accounts import (
    AuthSession,
    BuyerProfile,
    FarmerProfile,
    MembershipRequest,
    Organization,
    PasswordResetCode,
    User,
    VoiceProfile,
)
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.feeds import CropHealthReport, MandiPrice, PriceAlertRule, SensorDevice, WeatherAlert
from kisaan_app.models.idempotency import IdempotentRequest
from kisaan_app.models.market import Bid, Listing, MarketOrder, Negotiation, QRSession
from kisaan_app.models.notifications import (
    AppSecret,
    NotificationCampaign,
    NotificationHistory,
    NotificationPreference,
    NotificationTemplate,
    PushSubscription,
    SmsConsent,
)
from kisaan_app.models.onboarding import MemberImport, MemberImportRow
from kisaan_app.models.payments import AutoRefund, Payment, Refund, Subscription, WebhookEvent
from kisaan_app.models.payouts import LinkedAccount, Payout
from kisaan_app.models.realtime import RealTimeEvent, WebSocketConnection
from kisaan_app.models.reports import SavedReport, SavedReportSend

__all__ = [
    "MemberImport",
    "MemberImportRow",
    "AppSecret",
    "AuditLog",
    "AutoRefund",
    "AuthSession",
    "Bid",
    "BuyerProfile",
    "CropHealthReport",
    "FarmerProfile",
    "IdempotentRequest",
    "LinkedAccount",
    "Listing",
    "MandiPrice",
    "MarketOrder",
    "MembershipRequest",
    "Negotiation",
    "NotificationCampaign",
    "NotificationHistory",
    "NotificationPreference",
    "NotificationTemplate",
    "Organization",
    "PasswordResetCode",
    "Payment",
    "Payout",
    "PriceAlertRule",
    "PushSubscription",
    "QRSession",
    "RealTimeEvent",
    "Refund",
    "SavedReport",
    "SavedReportSend",
    "SensorDevice",
    "SmsConsent",
    "Subscription",
    "User",
    "VoiceProfile",
    "WebSocketConnection",
    "WeatherAlert",
    "WebhookEvent",
]
