"""Scheduled reports by email: once per report and period, however often the job runs.

Each run looks at the last *finished* period of each schedule (yesterday; last Monday–Sunday; last month, in
IST) and, for a report not yet sent for it, writes in one transaction the `saved_report_send` row (unique per
report and period) and the email delivery row (notify(): SMTP happens in the delivery job, after commit).
A second run, or a second worker at the same moment, loses the INSERT race and sends nothing; a rolled-back
run leaves neither row, so the next run sends it.
"""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import IST
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.reports import SavedReport, SavedReportSend
from kisaan_app.services.custom_reports import engine, present, saved
from kisaan_app.services.errors import DomainError
from kisaan_app.services.notifications.audience import Audience
from kisaan_app.services.notifications.dispatch import notify
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
CATEGORY = "payments"  # money figures: the category whose email people keep on by default


def due_period(schedule: str, now: datetime) -> tuple[str, date, date]:
    """(key, first day, last day) of the schedule's last finished period at `now`."""
    today = now.astimezone(IST).date()
    if schedule == "daily":
        day = today - timedelta(days=1)
        return day.isoformat(), day, day
    if schedule == "weekly":
        start = today - timedelta(days=today.weekday() + 7)
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}", start, start + timedelta(days=6)
    end = today.replace(day=1) - timedelta(days=1)
    return end.strftime("%Y-%m"), end.replace(day=1), end


def scheduled_ids(session: Session) -> list[int]:
    query = select(SavedReport.id).where(SavedReport.schedule != "none").order_by(col(SavedReport.id))
    return [i for i in session.exec(query).all() if i is not None]


def _may_still_read(owner: User, report: SavedReport) -> bool:
    """The owner may still see these figures: a platform admin, or an admin of the report's FPO today (one who
    left the FPO or lost the role must not keep receiving its sales by email)."""
    if owner.role == Role.ADMIN:
        return True
    return (
        owner.role == Role.ORG_ADMIN
        and report.organization_id is not None
        and (owner.organization_id == report.organization_id)
    )


def send_one(session: Session, report_id: int, now: datetime) -> bool:
    """Send this report's due period if nobody has; True when this call sent it."""
    report = session.get(SavedReport, report_id)
    if report is None or report.schedule == "none":
        return False
    key, first, last = due_period(report.schedule, now)
    done = select(SavedReportSend.id).where(SavedReportSend.report_id == report_id, SavedReportSend.period_key == key)
    if session.exec(done).first() is not None:
        return False
    sent = SavedReportSend(report_id=report_id, period_key=key)
    try:
        with session.begin_nested():
            session.add(sent)
    except IntegrityError:  # another run got there first
        return False
    owner = session.get(User, report.owner_id)
    if owner is None or not owner.is_active or not _may_still_read(owner, report):
        return True  # recorded: nobody to send this period to
    lang = owner.preferred_language
    result = engine.run_scoped(session, saved.spec_of(report), report.organization_id, (first, last))
    link = f"{get_settings().public_url.rstrip('/')}/admin/reports/custom"
    outcome = notify(
        session,
        None,
        Audience(user_ids=(report.owner_id,), role=owner.role),
        CATEGORY,
        subject=t(lang, "custom_reports.email_subject", name=report.name, period=present.period_text(result, lang)),
        text=present.as_text(report.name, result, lang, link),
        channels=["email"],
        idempotency_key=f"report:{report_id}:{key}",
    )
    sent.deliveries = sum(outcome.deliveries.values())
    session.add(sent)
    return True


def send_due(session_factory: Callable[[], AbstractContextManager[Session]], now: datetime | None = None) -> int:
    """Every scheduled report's due period, each in its own transaction; returns how many were sent now."""
    now = now or utcnow()
    with session_factory() as session:
        ids = scheduled_ids(session)
    count = 0
    for report_id in ids:
        try:
            with session_factory() as session:
                count += send_one(session, report_id, now)
        except (DomainError, IntegrityError):  # one broken report must not hold back the others
            log.exception("scheduled report %s was not sent", report_id)
    return count
