"""/api/auth: register, login (Bearer token), the browser cookie hand-over, me, password, logout."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from kisaan_app.api.deps import (
    CurrentPrincipal,
    MetaDep,
    SessionDep,
    optional_principal,
)
from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.models.accounts import User
from kisaan_app.services import accounts, password_reset, profiles, signup
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import DomainError, ValidationFailed
from kisaan_app.services.security import safe_next_path
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


class RegisterIn(BaseModel):
    full_name: str = Field(max_length=200)
    password: str = Field(max_length=200)
    role: str = Field("farmer", description="farmer or buyer")
    phone: str | None = Field(None, max_length=40, examples=["+919876543210"])
    email: str | None = Field(None, max_length=254)
    preferred_language: str = "en"
    district: str | None = Field(None, max_length=80)
    state: str | None = Field(None, max_length=80)
    organization_id: Any = Field(
        None, description="Not accepted: ask to join an FPO after signing up (POST /api/memberships)."
    )


class LoginIn(BaseModel):
    identifier: str = Field(max_length=254, description="Mobile number or email")
    password: str = Field(max_length=200)


class UserOut(BaseModel):
    id: int
    full_name: str
    role: str
    phone: str | None
    email: str | None
    organization_id: int | None
    preferred_language: str
    is_active: bool

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls.model_validate(user, from_attributes=True)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class ResetRequestIn(BaseModel):
    phone: str = Field(max_length=40, examples=["+919876543210"])


class ResetConfirmIn(BaseModel):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=12)
    new_password: str = Field(max_length=200)


def _token_out(token: str, user: User) -> TokenOut:
    return TokenOut(access_token=token, expires_in=get_settings().jwt_ttl_minutes * 60, user=UserOut.of(user))


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=TokenOut)
def register(body: RegisterIn, session: SessionDep, meta: MetaDep) -> TokenOut:
    if body.organization_id is not None:  # joining an FPO is a request its admin approves
        raise ValidationFailed("organization_not_at_signup", field="organization_id")
    user = signup.sign_up(session, accounts.Registration(**body.model_dump(exclude={"organization_id"})), meta)
    token, _ = accounts.open_session(session, user, "api", meta)
    return _token_out(token, user)


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, session: SessionDep, meta: MetaDep) -> TokenOut:
    token, user = accounts.login(session, body.identifier, body.password, "api", meta)
    return _token_out(token, user)


@router.get("/me", response_model=profiles.ProfileView)
def me(principal: CurrentPrincipal, session: SessionDep) -> profiles.ProfileView:
    return profiles.get_profile(session, principal)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordIn, principal: CurrentPrincipal, session: SessionDep, meta: MetaDep) -> Response:
    accounts.change_password(session, principal, body.current_password, body.new_password, meta)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset/request", status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(body: ResetRequestIn, session: SessionDep, meta: MetaDep) -> dict:
    """Send a 6-digit code by SMS if the number has an account. The answer is the same either way."""
    password_reset.request_reset(session, body.phone, meta)
    return {"status": "accepted"}


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_password_reset(body: ResetConfirmIn, session: SessionDep, meta: MetaDep) -> Response:
    """Set a new password with the code; every session of the account is signed out."""
    password_reset.confirm_reset(session, body.phone, body.code, body.new_password, meta)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def set_session_cookie(response: Response, token: str, max_age: timedelta) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(max_age.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=get_settings().is_prod,
        path="/",
    )


@router.get("/session", include_in_schema=False)
def browser_session(
    session: SessionDep,
    ticket: Annotated[str, Query(max_length=2000)],
    next: Annotated[str | None, Query(max_length=500)] = None,  # noqa: A002 - the conventional name
) -> Response:
    """Trade a one-time login ticket (from the login page) for the HttpOnly session cookie, then go on."""
    try:
        token = accounts.redeem_ticket(session, ticket)
    except DomainError as err:
        return RedirectResponse(f"/login?error={err.code}", status_code=status.HTTP_303_SEE_OTHER)
    response = RedirectResponse(safe_next_path(next), status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, token, timedelta(minutes=get_settings().jwt_ttl_minutes))
    return response


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    request: Request,
    session: SessionDep,
    meta: MetaDep,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Response:
    """Revoke this session. A browser form post is sent on to the login page; API clients get 204."""
    if principal is not None:
        accounts.logout(session, principal, meta)
    wants_page = "text/html" in request.headers.get("accept", "")
    response: Response = (
        RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
        if wants_page
        else Response(status_code=status.HTTP_204_NO_CONTENT)
    )
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().is_prod)
    return response
