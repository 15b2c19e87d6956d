"""A crop-health report is a case that someone follows up: open → acknowledged (an FPO admin or extension
worker takes it up) → advised (advice sent to the farmer) → resolved (closed, by the farmer or the helper).

Each step is one guarded UPDATE on the status it expects, so two helpers pressing at once, or one pressing
twice, move the case once; the loser gets a clear conflict. Every step tells the other side through
events.tell() with a key naming the step, inside the same transaction. A case nobody acknowledged within
KISAAN_CROP_CASE_ESCALATE_HOURS is escalated (by SMS too) to its FPO's admins, or to the platform's admins for a
farmer without an FPO: a periodic job runs escalate_overdue(); the escalated_at column is the claim, so a run
repeated after a crash, or two workers at once, escalate each case once.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from kisaan_app.i18n import t
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import ReportStatus, Role
from kisaan_app.models.feeds import CropHealthReport
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.notifications.events import tell, tell_many
from kisaan_app.settings import get_settings

MAX_ADVICE = 1000
OPEN_STATES = (ReportStatus.OPEN, ReportStatus.ACKNOWLEDGED, ReportStatus.ADVISED)
ALL_STATES = (*OPEN_STATES, ReportStatus.RESOLVED)
BATCH = 200


@dataclass(frozen=True)
class CaseRow:
    id: int
    farmer: str
    farmer_phone: str
    village: str
    crop: str
    issue_type: str
    severity: str
    source: str
    note: str
    status: str
    advice: str
    created_at: datetime
    escalated: bool


def helpers_for(session: Session, organization_id: int | None) -> list[User]:
    """Who follows up a farmer's case: their FPO's admins; the platform's admins for a farmer without one."""
    query = select(User).where(col(User.is_active))
    if organization_id is not None:
        query = query.where(User.role == Role.ORG_ADMIN, User.organization_id == organization_id)
    else:
        query = query.where(User.role == Role.ADMIN)
    return list(session.exec(query.order_by(col(User.id))).all())


def _issue_words(language: str, report: CropHealthReport) -> str:
    return t(language, f"crop_issue.{report.issue_type}")


def _tell_helpers(session: Session, report: CropHealthReport, event: str, step: str, critical: bool = False) -> None:
    farmer = session.get(User, report.farmer_id)
    for helper in helpers_for(session, report.organization_id):
        words = {
            "farmer": farmer.full_name if farmer else "",
            "crop": report.crop,
            "issue": _issue_words(helper.preferred_language, report),
            "case": report.id,
            "hours": get_settings().crop_case_escalate_hours,
        }
        tell(session, event, helper, f"crop-case:{report.id}:{step}", words, url="/admin/crop-cases", critical=critical)


def opened(session: Session, report: CropHealthReport) -> None:
    """A new case: its helpers hear of it at once (the escalation follows if nobody acknowledges)."""
    _tell_helpers(session, report, "crop.case_opened", "opened")


def _helper(viewer: Principal) -> Principal:
    """An admin, or an org admin who has an FPO: one whose FPO is gone (organization_id set NULL) would otherwise
    match every farmer-without-FPO case, which are the platform admins' to follow."""
    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    if viewer.role == Role.ORG_ADMIN and viewer.organization_id is None:
        raise PermissionDenied()
    return viewer


def _case_for(session: Session, actor: Principal, case_id: int) -> CropHealthReport:
    """A helper sees the cases of their own FPO (an admin: every case); anyone else: not found."""
    _helper(actor)
    report = session.get(CropHealthReport, case_id)
    if report is None or (actor.role == Role.ORG_ADMIN and report.organization_id != actor.organization_id):
        raise NotFound("case_not_found")
    return report


def _move(session: Session, report: CropHealthReport, frm: tuple[str, ...], values: dict) -> None:
    """One guarded UPDATE: the step happens only from the states it may follow; a lost race is a conflict."""
    done = session.execute(
        update(CropHealthReport)
        .where(col(CropHealthReport.id) == report.id, col(CropHealthReport.status).in_(frm))
        .values(updated_at=utcnow(), **values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(report)
        raise Conflict("case_transition", status=report.status)
    session.refresh(report)


def acknowledge(session: Session, actor: Principal, meta: RequestMeta | None, case_id: int) -> CropHealthReport:
    report = _case_for(session, actor, case_id)
    now = utcnow()
    values = {"status": ReportStatus.ACKNOWLEDGED, "acknowledged_by_id": actor.id, "acknowledged_at": now}
    _move(session, report, (ReportStatus.OPEN,), values)
    audit.record(session, "crop_case.acknowledged", actor=actor, meta=meta, target_type="crop_case", target_id=case_id)
    words = {"helper": actor.full_name, "crop": report.crop, "case": report.id}
    tell(session, "crop.case_acknowledged", report.farmer_id, f"crop-case:{report.id}:acknowledged", words, url="/")
    return report


def check_advice(advice: str) -> str:
    advice = " ".join((advice or "").split())
    if not advice:
        raise ValidationFailed("advice_required", field="advice")
    if len(advice) > MAX_ADVICE:
        raise ValidationFailed("advice_too_long", field="advice", limit=MAX_ADVICE)
    return advice


def give_advice(
    session: Session, actor: Principal, meta: RequestMeta | None, case_id: int, advice: str
) -> CropHealthReport:
    """Advice for the farmer (acknowledging the case if nobody had). New advice replaces the old and is sent
    again; the same advice sent twice (a retry) is sent once."""
    advice = check_advice(advice)
    report = _case_for(session, actor, case_id)
    now = utcnow()
    values: dict = {"status": ReportStatus.ADVISED, "advice": advice, "advised_by_id": actor.id, "advised_at": now}
    if report.acknowledged_at is None:
        values.update(acknowledged_by_id=actor.id, acknowledged_at=now)
    _move(session, report, OPEN_STATES, values)
    audit.record(
        session,
        "crop_case.advised",
        actor=actor,
        meta=meta,
        target_type="crop_case",
        target_id=case_id,
        details={"advice": advice},
    )
    digest = hashlib.sha256(advice.encode()).hexdigest()[:16]
    words = {"helper": actor.full_name, "crop": report.crop, "advice": advice, "case": report.id}
    tell(session, "crop.case_advice", report.farmer_id, f"crop-case:{report.id}:advice:{digest}", words, url="/")
    return report


def close(session: Session, actor: Principal, meta: RequestMeta | None, case_id: int) -> CropHealthReport:
    """The farmer marks their own case resolved, or a helper closes it; the other side hears of it."""
    report = session.get(CropHealthReport, case_id)
    if report is not None and actor.role == Role.FARMER and report.farmer_id == actor.id:
        by_farmer = True
    else:
        report, by_farmer = _case_for(session, actor, case_id), False
    _move(session, report, OPEN_STATES, {"status": ReportStatus.RESOLVED, "closed_at": utcnow()})
    audit.record(session, "crop_case.closed", actor=actor, meta=meta, target_type="crop_case", target_id=case_id)
    farmer = session.get(User, report.farmer_id)
    words = {"farmer": farmer.full_name if farmer else "", "crop": report.crop, "case": report.id}
    key = f"crop-case:{report.id}:closed"
    if by_farmer:
        helper = report.acknowledged_by_id or report.advised_by_id
        people = [session.get(User, helper)] if helper else helpers_for(session, report.organization_id)
        tell_many(session, "crop.case_closed", [p for p in people if p], key, words, url="/admin/crop-cases")
    else:
        tell(session, "crop.case_closed", report.farmer_id, key, words, url="/")
    return report


def escalate_overdue(session: Session, now: datetime | None = None) -> list[int]:
    """Cases still open past the setting's hours: claimed one by one (escalated_at), then their helpers are told,
    critically (quiet hours do not hold it back)."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=get_settings().crop_case_escalate_hours)
    candidates = session.exec(
        select(CropHealthReport.id)
        .where(
            CropHealthReport.status == ReportStatus.OPEN,
            col(CropHealthReport.escalated_at).is_(None),
            col(CropHealthReport.created_at) <= cutoff,
        )
        .order_by(col(CropHealthReport.created_at))
        .limit(BATCH)
    ).all()
    escalated: list[int] = []
    for case_id in candidates:
        if case_id is None:
            continue
        claimed = session.execute(
            update(CropHealthReport)
            .where(
                col(CropHealthReport.id) == case_id,
                col(CropHealthReport.status) == ReportStatus.OPEN,
                col(CropHealthReport.escalated_at).is_(None),
            )
            .values(escalated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # acknowledged meanwhile, or another worker took it
        report = session.get(CropHealthReport, case_id)
        if report is None:
            continue
        session.refresh(report)
        _tell_helpers(session, report, "crop.case_escalated", "escalated", critical=True)
        audit.record(
            session, "crop_case.escalated", actor_label="crop-case-sweep", target_type="crop_case", target_id=case_id
        )
        escalated.append(case_id)
    return escalated


def status_counts(session: Session, viewer: Principal) -> dict[str, int]:
    """How many of the helper's cases are at each step (the page's chart)."""
    _helper(viewer)
    query = select(CropHealthReport.status, func.count()).group_by(col(CropHealthReport.status))
    if viewer.role == Role.ORG_ADMIN:
        query = query.where(CropHealthReport.organization_id == viewer.organization_id)
    return {status: count for status, count in session.exec(query).all()}


def cases(session: Session, viewer: Principal, status: str | None = None, limit: int = 100) -> list[CaseRow]:
    """The helper's list: their FPO's cases (an admin: all), open ones first, oldest first."""
    _helper(viewer)
    if status is not None and status not in {s.value for s in ReportStatus}:
        raise ValidationFailed("invalid_request", field="status")
    query = select(CropHealthReport, User).join(User, col(User.id) == col(CropHealthReport.farmer_id))
    if viewer.role == Role.ORG_ADMIN:
        query = query.where(CropHealthReport.organization_id == viewer.organization_id)
    if status:
        query = query.where(CropHealthReport.status == status)
    else:
        query = query.where(col(CropHealthReport.status).in_(OPEN_STATES))
    query = query.order_by(col(CropHealthReport.created_at), col(CropHealthReport.id)).limit(limit)
    from kisaan_app.models.accounts import FarmerProfile

    rows = session.exec(query).all()
    villages: dict[int | None, str] = {
        p.user_id: p.village or ""
        for p in session.exec(
            select(FarmerProfile).where(col(FarmerProfile.user_id).in_([u.id for _r, u in rows] or [0]))
        ).all()
    }
    return [_case_row(r, u, villages) for r, u in rows]


def _case_row(r: CropHealthReport, u: User, villages: dict[int | None, str]) -> CaseRow:
    return CaseRow(
        id=r.id or 0,
        farmer=u.full_name,
        farmer_phone=u.phone or "",
        village=villages.get(u.id, ""),
        crop=r.crop,
        issue_type=r.issue_type,
        severity=r.severity,
        source=r.source,
        note=r.note or "",
        status=r.status,
        advice=r.advice or "",
        created_at=r.created_at,
        escalated=r.escalated_at is not None,
    )
