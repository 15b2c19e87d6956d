"""What the farmer dashboard shows: mandi prices, weather alerts, crop-health reports and the sensors behind them."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase, UTCDateTime, check_in
from kisaan_app.models.enums import ReportStatus

SEVERITIES = ("green", "yellow", "orange", "red")  # IMD colour codes
CROP_ISSUES = ("pest", "disease", "water_stress", "nutrient", "sensor", "other")
REPORT_SOURCES = ("farmer", "sensor")
REPORT_STATUSES = tuple(ReportStatus)


class MandiPrice(TableBase, table=True):
    """One Agmarknet daily row; prices are paise per quintal (Agmarknet publishes whole rupees per quintal)."""

    __tablename__ = "mandi_price"
    __table_args__ = (
        sa.UniqueConstraint(
            "state", "district", "market", "commodity", "variety", "grade", "arrival_date", name="uq_mandi_price_row"
        ),
        sa.CheckConstraint(
            "min_price_paise >= 0 AND min_price_paise <= modal_price_paise AND modal_price_paise <= max_price_paise",
            name="ck_mandi_price_order",
        ),
        sa.Index("ix_mandi_price_commodity_district_date", "commodity", "district", "arrival_date"),
        sa.Index("ix_mandi_price_market_commodity_date", "market", "commodity", "arrival_date"),
    )

    state: str = Field(max_length=80)
    district: str = Field(max_length=80)
    market: str = Field(max_length=120)
    commodity: str = Field(max_length=80)
    variety: str = Field(default="Other", max_length=80)
    grade: str = Field(default="FAQ", max_length=30)
    arrival_date: date
    min_price_paise: int
    max_price_paise: int
    modal_price_paise: int
    source: str = Field(default="import", max_length=20)  # agmarknet | import | demo


class WeatherAlert(TableBase, table=True):
    __tablename__ = "weather_alert"
    __table_args__ = (
        check_in("severity", SEVERITIES, "ck_weather_alert_severity"),
        sa.CheckConstraint("valid_until > valid_from", name="ck_weather_alert_validity"),
        sa.Index("ix_weather_alert_district_valid_until", "district", "valid_until"),
    )

    district: str = Field(max_length=80)
    state: str = Field(max_length=80)
    severity: str = Field(max_length=10)
    title: str = Field(max_length=160)
    message: str = Field(max_length=1000)
    # The warning in each language it was written in ({"hi": {"title": …, "message": …}}); each farmer reads
    # theirs, else title/message (the first language written). None for a warning written in one language.
    texts: dict | None = Field(default=None, sa_type=sa.JSON)
    valid_from: datetime = Field(sa_type=UTCDateTime, nullable=False)
    valid_until: datetime = Field(sa_type=UTCDateTime, nullable=False)
    issued_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    source: str = Field(default="manual", max_length=20)  # manual | imd
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SensorDevice(TableBase, table=True):
    """A field sensor that posts crop-health readings with its own API key (only the hash is stored)."""

    __tablename__ = "sensor_device"

    farmer_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    api_key_hash: str = Field(max_length=128, unique=True)
    crop: str | None = Field(default=None, max_length=60)
    is_active: bool = True
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CropHealthReport(TableBase, table=True):
    """A problem a farmer reports on a crop, or a sensor reading that crossed a threshold."""

    __tablename__ = "crop_health_report"
    __table_args__ = (
        check_in("issue_type", CROP_ISSUES, "ck_crop_health_report_issue_type"),
        check_in("source", REPORT_SOURCES, "ck_crop_health_report_source"),
        check_in("status", REPORT_STATUSES, "ck_crop_health_report_status"),
        check_in("severity", SEVERITIES, "ck_crop_health_report_severity"),
        sa.Index("ix_crop_health_report_farmer_created", "farmer_id", "created_at"),
        sa.Index("ix_crop_health_report_status_created", "status", "created_at"),  # the escalation sweep
    )

    farmer_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    device_id: int | None = Field(default=None, foreign_key="sensor_device.id", index=True, ondelete="SET NULL")
    crop: str = Field(max_length=60)
    issue_type: str = Field(max_length=20)
    source: str = Field(default="farmer", max_length=10)
    severity: str = Field(default="yellow", max_length=10)
    metric: str | None = Field(default=None, max_length=40)  # e.g. soil_moisture_pct
    value: float | None = None
    note: str | None = Field(default=None, max_length=1000)
    status: str = Field(default=ReportStatus.OPEN, max_length=14)
    alert_raised: bool = False
    # The follow-up (services/crop_cases.py): who took it up, the advice sent, when it was escalated and closed.
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    advice: str | None = Field(default=None, max_length=1000)
    advised_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    advised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


PRICE_ALERT_KINDS = ("above", "below", "move")


class PriceAlertRule(TableBase, table=True):
    """A farmer's price alert: a crop in a market or district, above or below a price (paise per quintal) or a
    move of at least N % in a day. Fires at most once per day (`last_fired_on`, set by a guarded UPDATE)."""

    __tablename__ = "price_alert_rule"
    __table_args__ = (
        check_in("kind", PRICE_ALERT_KINDS, "ck_price_alert_rule_kind"),
        sa.CheckConstraint("(market IS NULL) <> (district IS NULL)", name="ck_price_alert_rule_place"),
        sa.CheckConstraint(
            "(kind = 'move' AND move_percent BETWEEN 1 AND 100 AND threshold_paise IS NULL)"
            " OR (kind <> 'move' AND threshold_paise > 0 AND move_percent IS NULL)",
            name="ck_price_alert_rule_threshold",
        ),
        sa.Index("ix_price_alert_rule_commodity_active", "commodity", "active"),
    )

    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    commodity: str = Field(max_length=80)
    market: str | None = Field(default=None, max_length=120)
    district: str | None = Field(default=None, max_length=80)
    kind: str = Field(max_length=5)
    threshold_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
    move_percent: int | None = None
    active: bool = Field(default=True)
    last_fired_on: date | None = None
