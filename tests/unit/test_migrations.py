"""The Alembic history builds exactly the SQLModel schema, rolls back cleanly and enforces the constraints."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import kisaan_app.models  # noqa: F401 - registers every table
from kisaan_app import migrations
from kisaan_app.db import make_engine
from tests.services import create_pg_database, drop_pg_database

EXPECTED_TABLES = {
    "organization",
    "user_account",
    "farmer_profile",
    "buyer_profile",
    "auth_session",
    "voice_profile",
    "audit_log",
    "websocket_connection",
    "realtime_event",
    "push_subscription",
    "notification_template",
    "notification_preference",
    "saved_report",
    "saved_report_send",
    "notification_history",
    "payment",
    "refund",
    "webhook_event",
    "subscription",
    "listing",
    "bid",
    "negotiation",
    "market_order",
    "qr_session",
    "mandi_price",
    "weather_alert",
    "sensor_device",
    "crop_health_report",
    "notification_campaign",
    "app_secret",
    "auto_refund",
    "membership_request",
    "linked_account",
    "payout",
    "price_alert_rule",
    "password_reset_code",
    "idempotent_request",
    "sms_consent",
    "member_import",
    "member_import_row",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = create_pg_database("kisaan_migrations")
    yield url
    drop_pg_database(url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": migrations.compare_type})
            return compare_metadata(ctx, SQLModel.metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(empty_database):
    url = empty_database
    migrations.upgrade("head", url=url)
    assert _tables(url) == EXPECTED_TABLES
    assert migrations.current_revision(url) == migrations.head_revision()
    assert _schema_differences(url) == [], "models and migrations disagree: write a new revision"

    migrations.downgrade("base", url=url)
    assert _tables(url) == set()
    assert migrations.current_revision(url) is None

    migrations.upgrade("head", url=url)
    assert _tables(url) == EXPECTED_TABLES
    assert "up to date" in migrations.status(url)


def test_constraints_are_enforced_by_the_database(empty_database):
    url = empty_database
    migrations.upgrade("head", url=url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            user_id = conn.execute(
                sa.text(
                    "INSERT INTO user_account (created_at, updated_at, full_name, phone, password_hash, role, "
                    "preferred_language, is_active) VALUES (:now, :now, 'Asha', '+919800000009', 'x', 'farmer', "
                    "'en', true) RETURNING id"
                ),
                {"now": now},
            ).scalar_one()

        def rejected(sql: str, **params) -> None:
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text(sql), {"now": now, "uid": user_id, **params})

        # A role outside the four, and a person with neither phone nor email.
        rejected(
            "INSERT INTO user_account (created_at, updated_at, full_name, email, password_hash, role, "
            "preferred_language, is_active) VALUES (:now, :now, 'X', 'x@example.in', 'x', 'king', 'en', true)"
        )
        rejected(
            "INSERT INTO user_account (created_at, updated_at, full_name, password_hash, role, preferred_language, "
            "is_active) VALUES (:now, :now, 'X', 'x', 'farmer', 'en', true)"
        )
        # The same phone twice.
        rejected(
            "INSERT INTO user_account (created_at, updated_at, full_name, phone, password_hash, role, "
            "preferred_language, is_active) VALUES (:now, :now, 'Y', '+919800000009', 'x', 'buyer', 'en', true)"
        )
        payment = (
            "INSERT INTO payment (created_at, updated_at, payer_id, purpose, amount_paise, amount_refunded_paise, "
            "currency, status, receipt, notes) VALUES (:now, :now, :uid, 'subscription', :amount, :refunded, 'INR', "
            ":status, :receipt, '{}')"
        )
        rejected(payment, amount=0, refunded=0, status="created", receipt="r0")
        rejected(payment, amount=100, refunded=101, status="captured", receipt="r1")
        rejected(payment, amount=100, refunded=0, status="paid-ish", receipt="r2")
        with engine.begin() as conn:
            conn.execute(
                sa.text(payment),
                {"now": now, "uid": user_id, "amount": 100, "refunded": 0, "status": "created", "receipt": "r3"},
            )
        rejected(payment, amount=100, refunded=0, status="created", receipt="r3")  # receipt is unique

        webhook = (
            "INSERT INTO webhook_event (created_at, updated_at, provider, event_id, event_type, payload) "
            "VALUES (:now, :now, 'razorpay', 'evt_1', 'payment.captured', '{}')"
        )
        with engine.begin() as conn:
            conn.execute(sa.text(webhook), {"now": now})
        rejected(webhook)  # a redelivered webhook cannot be stored twice

        rejected(
            "INSERT INTO mandi_price (created_at, updated_at, state, district, market, commodity, variety, grade, "
            "arrival_date, min_price_paise, max_price_paise, modal_price_paise, source) VALUES (:now, :now, "
            "'Maharashtra', 'Nashik', 'Lasalgaon', 'Onion', 'Red', 'FAQ', :day, 300000, 200000, 250000, 'import')",
            day=date(2026, 11, 1),
        )
        rejected(
            "INSERT INTO weather_alert (created_at, updated_at, district, state, severity, title, message, "
            "valid_from, valid_until, source) VALUES (:now, :now, 'Nashik', 'Maharashtra', 'purple', 't', 'm', "
            ":now, :now, 'manual')"
        )
        # Foreign keys hold on SQLite too (the engine turns them on).
        rejected(
            "INSERT INTO farmer_profile (created_at, updated_at, user_id, crops) VALUES (:now, :now, 999999, '[]')"
        )
    finally:
        engine.dispose()
