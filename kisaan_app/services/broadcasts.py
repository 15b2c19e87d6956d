"""System messages from admins to everyone, or from an FPO admin to their own organisation."""

from sqlmodel import Session

from kisaan_app.models.enums import Role
from kisaan_app.realtime import ALL, Event, org_target, send_on_commit
from kisaan_app.realtime.payloads import SystemMessage
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import PermissionDenied, ValidationFailed

LEVELS = ("info", "warning", "critical")


def send_broadcast(
    session: Session,
    actor: Principal,
    meta: RequestMeta | None,
    message: str,
    *,
    organization_id: int | None = None,
    level: str = "info",
) -> Event:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    message = (message or "").strip()
    if not 1 <= len(message) <= 500:
        raise ValidationFailed("broadcast_message", field="message")
    if level not in LEVELS:
        raise ValidationFailed("broadcast_level", field="level")
    if actor.role == Role.ORG_ADMIN:
        if organization_id not in (None, actor.organization_id) or not actor.organization_id:
            raise PermissionDenied("other_organization")
        organization_id = actor.organization_id
    target = org_target(organization_id) if organization_id else ALL
    audit.record(
        session,
        "realtime.broadcast",
        actor=actor,
        meta=meta,
        target_type="organization" if organization_id else "all",
        target_id=organization_id,
        details={"level": level, "message": message[:200]},
    )
    return send_on_commit(session, target, SystemMessage(message=message, level=level, sender=actor.full_name))
