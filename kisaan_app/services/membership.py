"""FPO membership: a farmer asks to join, the FPO's org admin (or a platform admin) approves or declines.

Nobody puts themselves in an organisation: sign-up takes no FPO, and buyers cannot ask. So the people an org
admin manages (services/authz.can_manage) are exactly the ones they approved or a platform admin placed there.
Each decision is guarded by one UPDATE on the pending row (two admins deciding at once: one wins), audited,
and told to the farmer in their inbox.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from kisaan_app.i18n import t
from kisaan_app.models.accounts import MEMBERSHIP_STATUSES, MembershipRequest, Organization, User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.services import audit, inbox, sign_in_events
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, ValidationFailed


@dataclass(frozen=True)
class JoinRequestView:
    id: int
    user_id: int
    full_name: str
    phone: str | None
    organization_id: int
    organization_name: str
    status: str
    created_at: datetime
    decided_at: datetime | None


def assign(
    session: Session,
    user: User,
    organization_id: int | None,
    *,
    actor: Principal | None = None,
    meta: RequestMeta | None = None,
) -> User:
    """Put `user` in an organisation (or none) directly, audited. No permission check: for the demo seed, the
    CLI and tests, for a platform admin (accounts.set_organization checks the role) and for an approval."""
    if organization_id is not None and not session.get(Organization, organization_id):
        raise ValidationFailed("unknown_organization", field="organization_id")
    old = user.organization_id
    user.organization_id = organization_id
    session.add(user)
    session.flush()
    if old != organization_id:
        sign_in_events.announce_if_signed_in(session, user.id, sign_in_events.ORGANIZATION_CHANGED)
    audit.record(
        session,
        "user.organization_changed",
        actor=actor,
        actor_label=None if actor else "system",
        meta=meta,
        target_type="user",
        target_id=user.id,
        organization_id=organization_id,
        details={"from": old, "to": organization_id},
    )
    return user


def request_to_join(session: Session, principal: Principal, organization_id: int, meta: RequestMeta) -> JoinRequestView:
    """A farmer asks to join an FPO. One pending request at a time; buyers and staff cannot ask."""
    require_role(principal, Role.FARMER)
    org = session.get(Organization, organization_id)
    if org is None or not org.is_active:
        raise ValidationFailed("unknown_organization", field="organization_id")
    user = session.get(User, principal.id)
    if user.organization_id == organization_id:
        raise Conflict("already_member", field="organization_id")
    pending = select(MembershipRequest.id).where(
        MembershipRequest.user_id == user.id, MembershipRequest.status == "pending"
    )
    if session.exec(pending).first() is not None:
        raise Conflict("join_request_pending", field="organization_id")
    row = MembershipRequest(user_id=user.id, organization_id=org.id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # a second tab asked at the same moment: the partial unique index refused it
        raise Conflict("join_request_pending", field="organization_id") from None
    audit.record(
        session,
        "membership.requested",
        actor=principal,
        meta=meta,
        target_type="membership_request",
        target_id=row.id,
        organization_id=org.id,
    )
    return _view(row, user, org)


def _view(row: MembershipRequest, user: User, org: Organization) -> JoinRequestView:
    return JoinRequestView(
        id=row.id,
        user_id=user.id,
        full_name=user.full_name,
        phone=user.phone,
        organization_id=org.id,
        organization_name=org.name,
        status=row.status,
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


def list_requests(session: Session, viewer: Principal, status: str | None = "pending") -> list[JoinRequestView]:
    """Requests the viewer may decide: an org admin their own FPO's (none without an FPO), an admin all."""
    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    if status is not None and status not in MEMBERSHIP_STATUSES:
        raise ValidationFailed("invalid_status", field="status")
    stmt = (
        select(MembershipRequest, User, Organization)
        .join(User, col(User.id) == col(MembershipRequest.user_id))
        .join(Organization, col(Organization.id) == col(MembershipRequest.organization_id))
        .order_by(col(MembershipRequest.id))
    )
    if viewer.role == Role.ORG_ADMIN:
        if viewer.organization_id is None:
            return []  # deny by default: an org admin without an FPO sees nobody's request
        stmt = stmt.where(MembershipRequest.organization_id == viewer.organization_id)
    if status is not None:
        stmt = stmt.where(MembershipRequest.status == status)
    return [_view(row, user, org) for row, user, org in session.exec(stmt.limit(500)).all()]


def my_requests(session: Session, principal: Principal) -> list[JoinRequestView]:
    stmt = (
        select(MembershipRequest, User, Organization)
        .join(User, col(User.id) == col(MembershipRequest.user_id))
        .join(Organization, col(Organization.id) == col(MembershipRequest.organization_id))
        .where(MembershipRequest.user_id == principal.id)
        .order_by(col(MembershipRequest.id).desc())
        .limit(20)
    )
    return [_view(row, user, org) for row, user, org in session.exec(stmt).all()]


def _may_decide(actor: Principal, row: MembershipRequest) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return (
        actor.role == Role.ORG_ADMIN
        and actor.organization_id is not None
        and (row.organization_id == actor.organization_id)
    )


def decide(session: Session, actor: Principal, request_id: int, approve: bool, meta: RequestMeta) -> JoinRequestView:
    """Approve (the farmer joins the FPO) or decline a pending request; audited; the farmer is told."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    row = session.get(MembershipRequest, request_id)
    if row is None or not _may_decide(actor, row):
        raise NotFound("join_request_not_found")  # another FPO's requests do not exist for this admin
    status = "approved" if approve else "declined"
    won = session.exec(
        update(MembershipRequest)
        .where(MembershipRequest.id == row.id, MembershipRequest.status == "pending")
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow(), updated_at=utcnow())
    ).rowcount
    if won != 1:
        raise Conflict("join_request_decided")
    session.refresh(row)
    user, org = session.get(User, row.user_id), session.get(Organization, row.organization_id)
    if approve:
        assign(session, user, org.id, actor=actor, meta=meta)
    audit.record(
        session,
        f"membership.{status}",
        actor=actor,
        meta=meta,
        target_type="user",
        target_id=user.id,
        organization_id=org.id,
        details={"request_id": row.id},
    )
    lang = user.preferred_language
    inbox.add(
        session,
        user.id,
        category="system",
        title=t(lang, f"membership.{status}_title", org=org.name),
        body=t(lang, f"membership.{status}_body", org=org.name),
        url="/profile",
    )
    return _view(row, user, org)
