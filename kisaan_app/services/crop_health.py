"""Crop-health problems a farmer reports; they go live to the farmer's other screens and to their FPO."""

from sqlmodel import Session, col, select

from kisaan_app.models.enums import Role
from kisaan_app.models.feeds import CropHealthReport
from kisaan_app.realtime import managers_target, send_on_commit, user_target
from kisaan_app.realtime.payloads import CropHealthUpdate
from kisaan_app.services import audit, crop_cases, ratelimit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.settings import get_settings

FARMER_ISSUES = ("pest", "disease", "water_stress", "nutrient", "other")
FARMER_SEVERITIES = ("yellow", "orange", "red")


def report_issue(
    session: Session,
    farmer: Principal,
    meta: RequestMeta | None,
    *,
    crop: str,
    issue_type: str,
    note: str = "",
    severity: str = "yellow",
) -> CropHealthReport:
    require_role(farmer, Role.FARMER)
    crop, note = (crop or "").strip(), (note or "").strip()
    if not 1 <= len(crop) <= 60:
        raise ValidationFailed("report_crop", field="crop")
    if issue_type not in FARMER_ISSUES:
        raise ValidationFailed("report_issue_type", field="issue_type")
    if severity not in FARMER_SEVERITIES:
        raise ValidationFailed("report_severity", field="severity")
    if len(note) > 1000:
        raise ValidationFailed("report_note", field="note")
    # Each report now opens a case whose helpers are told by SMS at once: a flood would be paid SMS to admins.
    ratelimit.take(get_settings().crop_report_rate_per_farmer, "crop-report", str(farmer.id))
    report = CropHealthReport(
        farmer_id=farmer.id,
        organization_id=farmer.organization_id,
        crop=crop,
        issue_type=issue_type,
        severity=severity,
        note=note or None,
        source="farmer",
        alert_raised=True,
    )
    session.add(report)
    session.flush()
    payload = CropHealthUpdate(
        id=report.id,
        farmer_id=farmer.id,
        farmer_name=farmer.full_name,
        crop=crop,
        issue_type=issue_type,
        severity=severity,
        note=report.note,
        source="farmer",
    )
    send_on_commit(session, user_target(farmer.id), payload)
    if farmer.organization_id:
        send_on_commit(session, managers_target(farmer.organization_id), payload)
    audit.record(
        session,
        "crop_health.reported",
        actor=farmer,
        meta=meta,
        target_type="crop_health_report",
        target_id=report.id,
        details={"crop": crop, "issue_type": issue_type},
    )
    crop_cases.opened(session, report)  # a case now: its helpers are told, and escalated to if nobody answers
    return report


def recent_reports(session: Session, viewer: Principal, limit: int = 10) -> list[CropHealthReport]:
    """A farmer's own reports; an FPO admin's organisation's; everything for a platform admin."""
    stmt = select(CropHealthReport)
    if viewer.role == Role.FARMER:
        stmt = stmt.where(CropHealthReport.farmer_id == viewer.id)
    elif viewer.role == Role.ORG_ADMIN:
        stmt = stmt.where(CropHealthReport.organization_id == viewer.organization_id)
    elif viewer.role != Role.ADMIN:
        return []
    return list(session.exec(stmt.order_by(col(CropHealthReport.id).desc()).limit(limit)).all())
