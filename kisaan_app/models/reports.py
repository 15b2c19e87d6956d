"""Custom reports an admin or FPO admin saved (measure, dimensions, filters, period), and each scheduled send."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase, check_in

REPORT_SCHEDULES = ("none", "daily", "weekly", "monthly")


class SavedReport(TableBase, table=True):
    """A report's recipe, never its figures: every run and every email reads the orders afresh.

    It belongs to an FPO (`organization_id`, its org admins share it) or to the platform (NULL: admins only)."""

    __tablename__ = "saved_report"
    __table_args__ = (
        check_in("schedule", REPORT_SCHEDULES, "ck_saved_report_schedule"),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_report_owner_name"),
        # The scheduler's one lookup: reports that have a schedule.
        sa.Index("ix_saved_report_schedule", "schedule"),
    )

    owner_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    measure: str = Field(max_length=30)
    dimensions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    filters: dict = Field(default_factory=dict, sa_type=sa.JSON)  # {"crop": ["Onion"], "district": [...]}
    period: str = Field(max_length=20)  # a preset (last_30_days, last_month, ...) or "custom"
    date_from: date | None = None  # a custom period's IST days, inclusive
    date_to: date | None = None
    schedule: str = Field(default="none", max_length=10)
    language: str = Field(default="en", max_length=8)  # of the emailed copy: the owner's when saved


class SavedReportSend(TableBase, table=True):
    """One scheduled email of a report for one period. The unique (report, period) row is written in the same
    transaction as the delivery rows, so a job that runs twice, or two workers at once, send it once."""

    __tablename__ = "saved_report_send"
    __table_args__ = (sa.UniqueConstraint("report_id", "period_key", name="uq_saved_report_send_report_period"),)

    report_id: int = Field(foreign_key="saved_report.id", ondelete="CASCADE")
    period_key: str = Field(max_length=20)  # 2026-11-30 | 2026-W48 | 2026-11
    deliveries: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
