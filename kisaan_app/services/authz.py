"""The one role guard used by pages, Reflex event handlers and API routes alike."""

from kisaan_app.models.accounts import User
from kisaan_app.models.enums import Role
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import AuthenticationFailed, PermissionDenied


def require_role(principal: Principal | None, *roles: str) -> Principal:
    """The principal, if signed in and holding one of `roles` (any role when none are given)."""
    if principal is None:
        raise AuthenticationFailed()
    if roles and principal.role not in {str(r) for r in roles}:
        raise PermissionDenied()
    return principal


def can_manage(actor: Principal, target: User) -> bool:
    """Admins manage everyone; an org admin manages the non-admin members of their own organisation."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.ORG_ADMIN:
        return (
            actor.organization_id is not None
            and target.organization_id == actor.organization_id
            and target.role != Role.ADMIN
        )
    return False


def assignable_roles(actor: Principal) -> tuple[Role, ...]:
    if actor.role == Role.ADMIN:
        return tuple(Role)
    if actor.role == Role.ORG_ADMIN:
        return (Role.FARMER, Role.BUYER, Role.ORG_ADMIN)
    return ()
