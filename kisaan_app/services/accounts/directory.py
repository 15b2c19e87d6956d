"""The user list admins and org admins work from: search, filters, paging, scoped by organisation."""

from dataclasses import dataclass
from datetime import UTC

from sqlmodel import Session, col, func, or_, select

from kisaan_app.models.accounts import BuyerProfile, FarmerProfile, Organization, User
from kisaan_app.models.enums import Role
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal


@dataclass(frozen=True)
class UserFilter:
    search: str | None = None
    role: str | None = None
    district: str | None = None
    organization_id: int | None = None
    active: bool | None = None


@dataclass(frozen=True)
class UserRow:
    id: int
    full_name: str
    phone: str | None
    email: str | None
    role: str
    is_active: bool
    organization_id: int | None
    organization_name: str | None
    district: str | None
    last_login_at: str | None


def list_users(
    session: Session, viewer: Principal, flt: UserFilter, *, limit: int = 25, offset: int = 0
) -> tuple[list[UserRow], int]:
    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    district = func.coalesce(FarmerProfile.district, BuyerProfile.district)
    stmt = (
        select(User, Organization.name, district)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .outerjoin(FarmerProfile, FarmerProfile.user_id == User.id)
        .outerjoin(BuyerProfile, BuyerProfile.user_id == User.id)
    )
    if viewer.role == Role.ORG_ADMIN:
        # Org admins see their own organisation only, whatever filter they send.
        stmt = stmt.where(User.organization_id == viewer.organization_id)
    elif flt.organization_id is not None:
        stmt = stmt.where(User.organization_id == flt.organization_id)
    if flt.role:
        stmt = stmt.where(User.role == flt.role)
    if flt.district:
        stmt = stmt.where(func.lower(district) == flt.district.strip().lower())
    if flt.active is not None:
        stmt = stmt.where(User.is_active == flt.active)
    if flt.search and flt.search.strip():
        like = f"%{flt.search.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.full_name).like(like),
                func.lower(func.coalesce(User.email, "")).like(like),
                func.coalesce(User.phone, "").like(like),
            )
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(User.id).desc()).offset(offset).limit(limit)).all()
    return [
        UserRow(
            id=user.id,
            full_name=user.full_name,
            phone=user.phone,
            email=user.email,
            role=user.role,
            is_active=user.is_active,
            organization_id=user.organization_id,
            organization_name=org_name,
            district=dist,
            last_login_at=user.last_login_at.isoformat() if user.last_login_at else None,
        )
        for user, org_name, dist in rows
    ], int(total)


def districts(session: Session, viewer: Principal) -> list[str]:
    """District names present among the users the viewer may see (for the filter drop-down)."""
    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    names: set[str] = set()
    for model in (FarmerProfile, BuyerProfile):
        stmt = select(model.district).join(User, User.id == model.user_id).where(col(model.district).is_not(None))
        if viewer.role == Role.ORG_ADMIN:
            stmt = stmt.where(User.organization_id == viewer.organization_id)
        names.update(d for d in session.exec(stmt.distinct()).all() if d)
    return sorted(names)


def organizations(session: Session, viewer: Principal) -> list[Organization]:
    """The organisations a viewer may filter by: all for an admin, their own for an org admin."""
    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    stmt = select(Organization).order_by(col(Organization.name))
    if viewer.role == Role.ORG_ADMIN:
        stmt = stmt.where(Organization.id == viewer.organization_id)
    return list(session.exec(stmt).all())


@dataclass(frozen=True)
class PeopleStats:
    active_users: int
    farmers: int
    buyers: int
    logins_today: int
    failed_logins_today: int


def people_stats(session: Session, viewer: Principal) -> PeopleStats:
    """Head counts and today's login activity, for the admin home (org admins: their organisation)."""
    from datetime import datetime, time

    from kisaan_app.models.audit import AuditLog

    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    scoped = viewer.role == Role.ORG_ADMIN

    def count_users(*conditions) -> int:
        stmt = select(func.count()).select_from(User).where(User.is_active, *conditions)
        if scoped:
            stmt = stmt.where(User.organization_id == viewer.organization_id)
        return int(session.exec(stmt).one())

    midnight = datetime.combine(datetime.now(UTC).date(), time.min, tzinfo=UTC)

    def count_audit(action: str) -> int:
        stmt = (
            select(func.count()).select_from(AuditLog).where(AuditLog.action == action, AuditLog.created_at >= midnight)
        )
        if scoped:
            stmt = stmt.where(AuditLog.organization_id == viewer.organization_id)
        return int(session.exec(stmt).one())

    return PeopleStats(
        active_users=count_users(),
        farmers=count_users(User.role == Role.FARMER),
        buyers=count_users(User.role == Role.BUYER),
        logins_today=count_audit("auth.login"),
        failed_logins_today=count_audit("auth.login_failed"),
    )
