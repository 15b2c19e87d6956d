"""Status enums name exactly what the migrated database accepts: a member added or renamed without a migration
fails here (the CHECK constraints come from the Alembic revisions, not from the models)."""

import re

import pytest
import sqlalchemy as sa

from kisaan_app.db import get_engine
from kisaan_app.models import enums

STATUS_COLUMNS = [
    ("membership_request", enums.MembershipStatus),
    ("crop_health_report", enums.ReportStatus),
    ("listing", enums.ListingStatus),
    ("bid", enums.BidStatus),
    ("market_order", enums.OrderStatus),
    ("qr_session", enums.QRStatus),
    ("notification_history", enums.DeliveryStatus),
    ("payment", enums.PaymentStatus),
    ("refund", enums.RefundStatus),
    ("subscription", enums.SubscriptionStatus),
    ("auto_refund", enums.AutoRefundStatus),
    ("websocket_connection", enums.ConnectionStatus),
    ("linked_account", enums.LinkedAccountStatus),
    ("payout", enums.PayoutStatus),
]


@pytest.mark.parametrize(("table", "enum"), STATUS_COLUMNS, ids=[t for t, _ in STATUS_COLUMNS])
def test_each_status_enum_matches_the_migrated_check_constraint(db, table, enum):
    checks = sa.inspect(get_engine()).get_check_constraints(table)
    [check] = [c for c in checks if c["name"] == f"ck_{table}_status"]
    allowed = set(re.findall(r"'([a-z_]+)'", check["sqltext"]))
    assert allowed == {m.value for m in enum}


def test_members_are_their_stored_strings():
    assert enums.PaymentStatus.CAPTURED == "captured" and f"{enums.OrderStatus.PAID}" == "paid"
    assert {enums.BidStatus.OPEN: 1}["open"] == 1  # rows read back as plain strings still find table entries
