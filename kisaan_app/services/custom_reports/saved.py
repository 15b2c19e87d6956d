"""Saved custom reports: save a checked spec under a name, list, run, schedule and delete them.

An org admin's report belongs to their FPO: every admin of that FPO may read, run, schedule or delete it, and
it always runs over that FPO's sales only. Anyone from another FPO is told it does not exist (404, never 403,
which would confirm it does). A platform admin's report covers every FPO; platform admins see all reports.
"""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from kisaan_app.models.reports import REPORT_SCHEDULES, SavedReport
from kisaan_app.services.context import Principal
from kisaan_app.services.custom_reports import engine, spec
from kisaan_app.services.errors import ErrorCode, NotFound, ValidationFailed

MAX_SAVED_PER_FPO = 50
MAX_NAME = 120


def _visible(principal: Principal | None) -> SelectOfScalar[SavedReport]:
    organization_id = engine.scope_of(principal)
    query = select(SavedReport)
    if organization_id is not None:
        query = query.where(SavedReport.organization_id == organization_id)
    return query


def _name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not 0 < len(name) <= MAX_NAME or not spec.storable(name):
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_NAME, field="name", max=MAX_NAME)
    return name


def _schedule(schedule: str) -> str:
    if schedule not in REPORT_SCHEDULES:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_SCHEDULE, field="schedule")
    return schedule


def spec_of(report: SavedReport) -> spec.ReportSpec:
    return spec.checked(
        report.measure,
        report.dimensions,
        report.filters,
        report.period,
        report.date_from,
        report.date_to,
    )


def save(
    session: Session, principal: Principal | None, name: str, wanted: spec.ReportSpec, schedule: str = "none"
) -> SavedReport:
    organization_id = engine.scope_of(principal)
    assert principal is not None  # scope_of refused anonymous callers
    name, schedule = _name(name), _schedule(schedule)
    mine = session.exec(
        select(func.count()).select_from(SavedReport).where(SavedReport.organization_id == organization_id)
    ).one()
    if mine >= MAX_SAVED_PER_FPO:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_TOO_MANY, field="name", count=MAX_SAVED_PER_FPO)
    report = SavedReport(
        owner_id=principal.id,
        organization_id=organization_id,
        name=name,
        measure=wanted.measure,
        dimensions=list(wanted.dimensions),
        filters={k: list(v) for k, v in wanted.filters.items()},
        period=wanted.period,
        date_from=wanted.date_from,
        date_to=wanted.date_to,
        schedule=schedule,
        language=principal.language,
    )
    try:
        with session.begin_nested():  # the unique (owner, name): a double click saves once
            session.add(report)
    except IntegrityError:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_NAME_TAKEN, field="name") from None
    return report


def listed(session: Session, principal: Principal | None) -> list[SavedReport]:
    return list(session.exec(_visible(principal).order_by(col(SavedReport.name), col(SavedReport.id))).all())


def get(session: Session, principal: Principal | None, report_id: int) -> SavedReport:
    report = session.exec(_visible(principal).where(SavedReport.id == report_id)).first()
    if report is None:
        raise NotFound(ErrorCode.CUSTOM_REPORT_NOT_FOUND)
    return report


def run(session: Session, principal: Principal | None, report_id: int) -> tuple[SavedReport, engine.ReportResult]:
    report = get(session, principal, report_id)
    return report, engine.run_scoped(session, spec_of(report), report.organization_id)


def set_schedule(session: Session, principal: Principal | None, report_id: int, schedule: str) -> SavedReport:
    report = get(session, principal, report_id)
    report.schedule = _schedule(schedule)
    session.add(report)
    return report


def delete(session: Session, principal: Principal | None, report_id: int) -> None:
    session.delete(get(session, principal, report_id))
