"""Who may read which report: a farmer their own farm, an org admin their FPO, a platform admin any FPO."""

from kisaan_app.models.enums import Role
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound, PermissionDenied


def farmer_scope(principal: Principal | None) -> int:
    """The farmer whose farm report this is: only the farmer themself (admins read farms through FPO reports)."""
    return require_role(principal, Role.FARMER).id


def fpo_scope(principal: Principal | None, organization_id: int | None = None) -> int:
    """The FPO an org admin or platform admin may report on. An org admin asking for another FPO learns
    nothing (404, as for a row that does not exist); a platform admin must say which FPO."""
    actor = require_role(principal, Role.ORG_ADMIN, Role.ADMIN)
    if actor.role == Role.ORG_ADMIN:
        if actor.organization_id is None:
            raise PermissionDenied()
        if organization_id is not None and organization_id != actor.organization_id:
            raise NotFound()
        return actor.organization_id
    if organization_id is None:
        raise NotFound()
    return organization_id


def platform_scope(principal: Principal | None) -> Principal:
    return require_role(principal, Role.ADMIN)


def market_scope(principal: Principal | None) -> Principal:
    """Mandi analytics are public figures: any signed-in person may read them."""
    return require_role(principal)
