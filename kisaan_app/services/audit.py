"""Write and read the audit log. Writes happen in the caller's transaction, so they land with the change."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, or_, select

from kisaan_app.i18n.formatting import local_time
from kisaan_app.models.accounts import User
from kisaan_app.models.audit import AuditLog
from kisaan_app.services.context import Principal, RequestMeta


def record(
    session: Session,
    action: str,
    *,
    actor: Principal | User | None = None,
    actor_label: str | None = None,
    meta: RequestMeta | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    organization_id: int | None = None,
    outcome: str = "success",
    details: dict | None = None,
) -> AuditLog:
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (getattr(actor, "label", None) if actor else None),
        organization_id=organization_id if organization_id is not None else getattr(actor, "organization_id", None),
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        outcome=outcome,
        ip=meta.ip if meta else None,
        user_agent=(meta.user_agent or "")[:300] if meta else None,
        details=details or {},
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    outcome: str | None = None
    actor_id: int | None = None
    organization_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None


def query(session: Session, viewer: Principal, flt: AuditFilter, *, limit: int = 50, offset: int = 0):
    """Entries the viewer may see (org admins: their organisation's), newest first, and the total count."""
    from kisaan_app.models.enums import Role
    from kisaan_app.services.accounts.validation import check_moment
    from kisaan_app.services.authz import require_role

    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    stmt = select(AuditLog)
    if viewer.role == Role.ORG_ADMIN:
        stmt = stmt.where(AuditLog.organization_id == viewer.organization_id)
    elif flt.organization_id is not None:
        stmt = stmt.where(AuditLog.organization_id == flt.organization_id)
    if flt.action:
        stmt = stmt.where(col(AuditLog.action).startswith(flt.action))
    if flt.outcome:
        stmt = stmt.where(AuditLog.outcome == flt.outcome)
    if flt.actor_id is not None:
        stmt = stmt.where(AuditLog.actor_id == flt.actor_id)
    since, until = check_moment(flt.since, "since"), check_moment(flt.until, "until")  # naive: UTC
    if since:
        stmt = stmt.where(AuditLog.created_at >= since)
    if until:
        stmt = stmt.where(AuditLog.created_at < until)
    if flt.search:
        like = f"%{flt.search.strip().lower()}%"
        named = select(User.id).where(func.lower(User.full_name).like(like))  # "asha" finds Asha Admin's entries
        stmt = stmt.where(
            or_(func.lower(func.coalesce(AuditLog.actor_label, "")).like(like), col(AuditLog.actor_id).in_(named))
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), int(total)


@dataclass(frozen=True)
class EntryView:
    """One audit entry as a person reads it: IST like every other page, people by name, details as words."""

    id: int
    when: str  # IST, to the second
    who: str  # the actor's name (with the sign-in label when it differs), or the label alone
    action: str
    target: str  # a person's name, else "weather alert #3"
    outcome: str
    ip: str
    details: str  # "district: Nashik · severity: red"


WHEN_PATTERN = "d MMM y, HH:mm:ss"


def _detail_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
    return str(value)


def readable(session: Session, entries: list[AuditLog], lang: str) -> list[EntryView]:
    """Entries for the audit page: names looked up in one query, times in IST in the reader's language."""
    ids = {e.actor_id for e in entries if e.actor_id}
    ids |= {int(e.target_id) for e in entries if e.target_type == "user" and (e.target_id or "").isdigit()}
    names = dict(session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all()) if ids else {}
    views = []
    for e in entries:
        name = names.get(e.actor_id or 0, "")
        label = e.actor_label or ""
        who = f"{name} ({label})" if name and label and label != name else name or label or "—"
        if e.target_type == "user" and (e.target_id or "").isdigit() and int(e.target_id) in names:
            target = names[int(e.target_id)]
        elif e.target_type:
            target = f"{e.target_type.replace('_', ' ')} #{e.target_id}" if e.target_id else e.target_type
        else:
            target = "—"
        details = " · ".join(f"{k.replace('_', ' ')}: {_detail_value(v)}" for k, v in (e.details or {}).items())
        views.append(
            EntryView(
                id=e.id,
                when=local_time(e.created_at, lang, WHEN_PATTERN),
                who=who,
                action=e.action,
                target=target,
                outcome=e.outcome,
                ip=e.ip or "—",
                details=details or "—",
            )
        )
    return views
