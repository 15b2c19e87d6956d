"""FastAPI dependencies: the database session, who is asking, and the shared role guard."""

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import AuthenticationFailed
from kisaan_app.settings import get_settings

_bearer = HTTPBearer(auto_error=False, description="The JWT from POST /api/auth/login")


def get_db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a client that gets 201 can read
# its own write at once, and a failed commit is a 500 rather than a success that never landed.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str | None:
    """The caller's address; X-Forwarded-For is trusted only through the configured number of proxies."""
    hops = get_settings().trusted_proxy_hops
    if hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.client.host if request.client else None


def bearer_matches(request: Request, expected: str | None) -> bool:
    """Constant-time check of `Authorization: Bearer <expected>` for machine callers (Prometheus, Alertmanager);
    nothing matches an unset secret."""
    if not expected:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def get_meta(request: Request) -> RequestMeta:
    return RequestMeta(ip=client_ip(request), user_agent=request.headers.get("user-agent"))


MetaDep = Annotated[RequestMeta, Depends(get_meta)]


def request_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    if credentials and credentials.scheme.lower() == "bearer":
        return credentials.credentials
    return request.cookies.get(SESSION_COOKIE)


def optional_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    return accounts.principal_for_token(session, request_token(request, credentials))


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise AuthenticationFailed()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def role_required(*roles: str):
    """A dependency that admits only these roles (the same require_role the pages use)."""

    def _guard(principal: CurrentPrincipal) -> Principal:
        return require_role(principal, *roles)

    return Depends(_guard)
