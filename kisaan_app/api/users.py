"""/api/users and /api/organizations: my profile, the admin user list, role changes, deactivation."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from kisaan_app.api.auth import UserOut
from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep
from kisaan_app.api.ids import MAX_OFFSET, RowId
from kisaan_app.services import accounts
from kisaan_app.services.accounts import directory, membership, password_reset, profiles

router = APIRouter(prefix="/api", tags=["users"])


class ProfilePatch(BaseModel):
    full_name: str | None = Field(None, max_length=200)
    preferred_language: str | None = None
    village: str | None = Field(None, max_length=200)
    district: str | None = Field(None, max_length=200)
    state: str | None = Field(None, max_length=200)
    crops: list[str] | None = Field(None, max_length=50)
    land_area_acres: float | None = None
    business_name: str | None = Field(None, max_length=300)
    gstin: str | None = Field(None, max_length=30)


class RoleIn(BaseModel):
    role: str


class UserPage(BaseModel):
    total: int
    items: list[dict]


class OrganizationOut(BaseModel):
    id: int
    name: str
    district: str | None
    state: str | None


class OrganizationIn(BaseModel):
    name: str = Field(max_length=200)
    district: str | None = Field(None, max_length=80)
    state: str | None = Field(None, max_length=80)


class JoinIn(BaseModel):
    organization_id: int


@router.get("/users/me", response_model=profiles.ProfileView)
def my_profile(principal: CurrentPrincipal, session: SessionDep):
    return profiles.get_profile(session, principal)


@router.patch("/users/me", response_model=profiles.ProfileView)
def update_my_profile(body: ProfilePatch, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    return profiles.update_profile(session, principal, body.model_dump(exclude_unset=True), meta)


@router.get("/users", response_model=UserPage)
def list_users(
    principal: CurrentPrincipal,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=100)] = None,
    role: str | None = None,
    district: Annotated[str | None, Query(max_length=80)] = None,
    organization_id: RowId | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
):
    flt = directory.UserFilter(
        search=search, role=role, district=district, organization_id=organization_id, active=active
    )
    rows, total = directory.list_users(session, principal, flt, limit=limit, offset=offset)
    return UserPage(total=total, items=[row.__dict__ for row in rows])


@router.post("/users/{user_id}/role", response_model=UserOut)
def change_role(user_id: RowId, body: RoleIn, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    return UserOut.of(accounts.change_role(session, principal, user_id, body.role, meta))


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
def deactivate(user_id: RowId, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    return UserOut.of(accounts.set_active(session, principal, user_id, False, meta))


@router.post("/users/{user_id}/reactivate", response_model=UserOut)
def reactivate(user_id: RowId, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    return UserOut.of(accounts.set_active(session, principal, user_id, True, meta))


@router.get("/organizations", response_model=list[OrganizationOut])
def organizations(session: SessionDep):
    """Active organisations (public: a farmer picks their FPO when signing up)."""
    return [OrganizationOut.model_validate(o, from_attributes=True) for o in accounts.list_organizations(session)]


@router.post("/organizations", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationIn, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    org = accounts.create_organization(session, principal, body.name, body.district, body.state, meta)
    return OrganizationOut.model_validate(org, from_attributes=True)


@router.post("/users/{user_id}/password-reset", status_code=status.HTTP_202_ACCEPTED)
def send_password_reset(user_id: RowId, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep) -> dict:
    """Text the person a reset code (admins; org admins for their own FPO's members)."""
    password_reset.send_reset_code(session, principal, user_id, meta)
    return {"status": "sent"}


@router.post("/memberships", response_model=membership.JoinRequestView, status_code=status.HTTP_201_CREATED)
def ask_to_join(body: JoinIn, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    """A farmer asks to join an FPO; its admin approves or declines."""
    return membership.request_to_join(session, principal, body.organization_id, meta)


@router.get("/memberships", response_model=list[membership.JoinRequestView])
def join_requests(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: Literal["pending", "approved", "declined"] | None = "pending",  # noqa: A002 - the query name
):
    """Requests to decide: an org admin sees their FPO's, an admin everyone's."""
    return membership.list_requests(session, principal, status)


@router.post("/memberships/{request_id}/approve", response_model=membership.JoinRequestView)
def approve_join(request_id: RowId, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    return membership.decide(session, principal, request_id, True, meta)


@router.post("/memberships/{request_id}/decline", response_model=membership.JoinRequestView)
def decline_join(request_id: RowId, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep):
    return membership.decide(session, principal, request_id, False, meta)
