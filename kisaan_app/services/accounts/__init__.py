"""Accounts: sign up, log in (with rate limits and audit), sessions, passwords, roles, deactivation.

The package's core lives here; beside it: signup (abuse limits on register), password_reset, membership (FPO
join requests), profiles, directory (the admins' user list), security (hashing, tokens), validation (people's
details)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from kisaan_app.i18n import available_languages
from kisaan_app.models.accounts import AuthSession, BuyerProfile, FarmerProfile, Organization, User
from kisaan_app.models.enums import SELF_SIGNUP_ROLES, Role
from kisaan_app.services import audit, glossary, ratelimit, sign_in_events
from kisaan_app.services.accounts import security
from kisaan_app.services.accounts.validation import (
    check_name,
    check_password,
    looks_like_email,
    normalize_email,
    normalize_identifier,
    normalize_phone,
)
from kisaan_app.services.authz import assignable_roles, can_manage, require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from kisaan_app.settings import get_settings

TICKET_TTL = timedelta(seconds=60)


def _now() -> datetime:
    return datetime.now(UTC)


def to_principal(user: User, session_id: str = "") -> Principal:
    return Principal(
        id=user.id,
        role=user.role,
        full_name=user.full_name,
        organization_id=user.organization_id,
        language=user.preferred_language,
        session_id=session_id,
        phone=user.phone,
        email=user.email,
    )


# ---------------------------------------------------------------- sign up


@dataclass
class Registration:
    full_name: str
    password: str
    role: str = Role.FARMER.value
    phone: str | None = None
    email: str | None = None
    preferred_language: str = "en"
    district: str | None = None
    state: str | None = None
    extra: dict = field(default_factory=dict)


def register(session: Session, reg: Registration, meta: RequestMeta | None = None) -> User:
    """Create a farmer or buyer account with an empty profile. Raises ValidationFailed / Conflict.

    Nobody picks an FPO here: membership is asked for and approved (accounts/membership.py). Self-service
    sign-up goes through accounts/signup.sign_up, which adds the abuse limits; seeds, the CLI and tests call this."""
    if reg.role not in {r.value for r in SELF_SIGNUP_ROLES}:
        raise ValidationFailed("invalid_role", field="role")
    full_name = check_name(reg.full_name)
    phone = normalize_phone(reg.phone) if (reg.phone or "").strip() else None
    email = normalize_email(reg.email) if (reg.email or "").strip() else None
    if not phone and not email:
        raise ValidationFailed("phone_or_email_required", field="phone")
    check_password(reg.password)
    language = reg.preferred_language if reg.preferred_language in available_languages() else "en"
    if phone and session.exec(select(User.id).where(User.phone == phone)).first():
        raise Conflict("account_exists", field="phone")
    if email and session.exec(select(User.id).where(User.email == email)).first():
        raise Conflict("account_exists", field="email")

    user = User(
        full_name=full_name,
        phone=phone,
        email=email,
        password_hash=security.hash_password(reg.password),
        role=reg.role,
        preferred_language=language,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent sign-up with the same phone/email won the race
        raise Conflict("account_exists", field="phone" if phone else "email") from None
    district = glossary.canonical("district", reg.district) or None  # one spelling per place
    state = glossary.canonical("state", reg.state) or None
    if user.role == Role.FARMER:
        session.add(FarmerProfile(user_id=user.id, district=district, state=state))
    else:
        session.add(BuyerProfile(user_id=user.id, district=district, state=state))
    audit.record(session, "user.registered", actor=user, meta=meta, target_type="user", target_id=user.id)
    return user


# ---------------------------------------------------------------- log in / sessions


def _find_by_identifier(session: Session, identifier: str) -> User | None:
    column = User.email if looks_like_email(identifier) else User.phone
    return session.exec(select(User).where(column == identifier)).first()


def authenticate(session: Session, identifier: str, password: str, meta: RequestMeta) -> User:
    """Check credentials under per-IP and per-account budgets of failed attempts; audit both outcomes.

    Each budget unit is reserved atomically BEFORE the password is checked, so parallel wrong guesses cannot
    run past the budget, and given back when the login succeeds: many farmers signing in behind one carrier
    NAT address use up nothing. A failed attempt is committed (its audit row) though the caller gets an error.
    """
    settings = get_settings()
    ip_rule, account_rule = settings.login_rate_per_ip, settings.login_rate_per_account
    ip_key = meta.ip or "unknown"
    ratelimit.reserve(ip_rule, "login-ip", ip_key)
    try:
        ident = normalize_identifier(identifier)
    except ValidationFailed:
        security.verify_password(None, password)  # same cost as a real check
        raise AuthenticationFailed("invalid_credentials") from None
    try:
        ratelimit.reserve(account_rule, "login-account", ident)
    except RateLimited:
        ratelimit.release(ip_rule, "login-ip", ip_key)  # a locked account checks no password: no guess made
        raise

    user = _find_by_identifier(session, ident)
    password_ok = security.verify_password(user.password_hash if user else None, password or "")
    if not user or not password_ok or not user.is_active:
        reason = "inactive" if (user and password_ok) else "bad_credentials"
        audit.record(
            session,
            "auth.login_failed",
            actor=user,
            actor_label=ident,
            meta=meta,
            outcome="failure",
            details={"reason": reason},
        )
        session.commit()
        raise AuthenticationFailed("account_inactive" if reason == "inactive" else "invalid_credentials")

    ratelimit.release(ip_rule, "login-ip", ip_key)
    ratelimit.release(account_rule, "login-account", ident)
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = _now()
    session.add(user)
    return user


def open_session(session: Session, user: User, kind: str, meta: RequestMeta) -> tuple[str, AuthSession]:
    """A new login session and its signed token (Bearer token for the API, cookie value for browsers)."""
    ttl = timedelta(minutes=get_settings().jwt_ttl_minutes)
    row = AuthSession(
        sid=security.new_session_id(),
        user_id=user.id,
        kind=kind,
        expires_at=_now() + ttl,
        ip=meta.ip,
        user_agent=(meta.user_agent or "")[:300] or None,
    )
    session.add(row)
    audit.record(session, "auth.login", actor=user, meta=meta, details={"kind": kind})
    return security.issue_token(user.id, row.sid, security.SESSION_TOKEN, ttl), row


def login(session: Session, identifier: str, password: str, kind: str, meta: RequestMeta) -> tuple[str, User]:
    user = authenticate(session, identifier, password, meta)
    token, _ = open_session(session, user, kind, meta)
    return token, user


def login_ticket(session_token: str) -> str:
    """A one-minute, one-use ticket the browser trades at /api/auth/session for the HttpOnly cookie."""
    claims = security.decode_token(session_token, security.SESSION_TOKEN)
    if claims is None:
        raise AuthenticationFailed("invalid_token")
    return security.issue_token(claims.user_id, claims.session_id, security.LOGIN_TICKET, TICKET_TTL)


def redeem_ticket(session: Session, ticket: str) -> str:
    """The session token for a ticket that is valid and unused; marks it used."""
    claims = security.decode_token(ticket, security.LOGIN_TICKET)
    if claims is None:
        raise AuthenticationFailed("invalid_token")
    result = session.exec(
        update(AuthSession)
        .where(AuthSession.sid == claims.session_id, col(AuthSession.ticket_used_at).is_(None))
        .where(col(AuthSession.revoked_at).is_(None))
        .values(ticket_used_at=_now())
    )
    if result.rowcount != 1:
        raise AuthenticationFailed("invalid_token")
    row = session.exec(select(AuthSession).where(AuthSession.sid == claims.session_id)).one()
    remaining = row.expires_at - _now()
    return security.issue_token(row.user_id, row.sid, security.SESSION_TOKEN, remaining)


def principal_for_token(session: Session, token: str | None) -> Principal | None:
    """Who holds this session token, re-checked against the database; None if forged, expired or revoked."""
    if not token:
        return None
    claims = security.decode_token(token, security.SESSION_TOKEN)
    return principal_for_session(session, claims.session_id, claims.user_id) if claims else None


def principal_for_session(session: Session, session_id: str, user_id: int) -> Principal | None:
    """The person behind a login session as the database says now; None once it is revoked or expired, or the
    account deactivated."""
    row = session.exec(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.sid == session_id, AuthSession.user_id == user_id)
    ).first()
    if row is None:
        return None
    auth_session, user = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= _now() or not user.is_active:
        return None
    return to_principal(user, auth_session.sid)


def logout(session: Session, principal: Principal, meta: RequestMeta) -> None:
    session.exec(update(AuthSession).where(AuthSession.sid == principal.session_id).values(revoked_at=_now()))
    sign_in_events.announce(session, principal.id, sign_in_events.LOGOUT)
    audit.record(session, "auth.logout", actor=principal, meta=meta)


def revoke_all_sessions(
    session: Session, user_id: int, *, except_sid: str | None = None, reason: str = sign_in_events.LOGOUT
) -> None:
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))
    if except_sid:
        stmt = stmt.where(AuthSession.sid != except_sid)
    if session.exec(stmt.values(revoked_at=_now())).rowcount:
        sign_in_events.announce(session, user_id, reason)  # open tabs of those sessions leave at once


def purge_expired_sessions(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    from sqlmodel import delete

    result = session.exec(delete(AuthSession).where(AuthSession.expires_at < _now() - older_than))
    return result.rowcount or 0


def change_password(session: Session, principal: Principal, current: str, new: str, meta: RequestMeta) -> None:
    user = session.get(User, principal.id)
    if user is None or not security.verify_password(user.password_hash, current or ""):
        audit.record(session, "auth.password_change_failed", actor=principal, meta=meta, outcome="failure")
        session.commit()
        raise ValidationFailed("wrong_current_password", field="current_password")
    check_password(new, field="new_password")
    if current == new:
        raise ValidationFailed("password_unchanged", field="new_password")
    user.password_hash = security.hash_password(new)
    session.add(user)
    # Sign out other devices.
    revoke_all_sessions(session, user.id, except_sid=principal.session_id, reason=sign_in_events.PASSWORD_CHANGED)
    audit.record(session, "auth.password_changed", actor=principal, meta=meta, target_type="user", target_id=user.id)


def set_language(session: Session, principal: Principal, language: str) -> None:
    if language not in available_languages():
        raise ValidationFailed("invalid_language", field="language")
    session.exec(update(User).where(User.id == principal.id).values(preferred_language=language))


# ---------------------------------------------------------------- roles and deactivation


def _managed_user(session: Session, actor: Principal, user_id: int) -> User:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    user = session.get(User, user_id)
    if user is None or not can_manage(actor, user):
        # An org admin must not learn that another organisation's user exists.
        raise NotFound("user_not_found")
    return user


def change_role(session: Session, actor: Principal, user_id: int, new_role: str, meta: RequestMeta) -> User:
    user = _managed_user(session, actor, user_id)
    if new_role not in {r.value for r in assignable_roles(actor)}:
        raise PermissionDenied("role_not_assignable", field="role")
    if user.id == actor.id:
        raise PermissionDenied("cannot_change_own_role", field="role")
    if new_role == Role.ORG_ADMIN and user.organization_id is None:
        raise ValidationFailed("org_admin_needs_organization", field="role")
    old_role = user.role
    if old_role == new_role:
        return user
    user.role = new_role
    session.add(user)
    _ensure_profile(session, user)
    sign_in_events.announce_if_signed_in(session, user.id, sign_in_events.ROLE_CHANGED)
    audit.record(
        session,
        "user.role_changed",
        actor=actor,
        meta=meta,
        target_type="user",
        target_id=user.id,
        organization_id=user.organization_id,
        details={"from": old_role, "to": new_role},
    )
    return user


def set_active(session: Session, actor: Principal, user_id: int, active: bool, meta: RequestMeta) -> User:
    user = _managed_user(session, actor, user_id)
    if user.id == actor.id:
        raise PermissionDenied("cannot_deactivate_self")
    if user.is_active == active:
        return user
    user.is_active = active
    session.add(user)
    if not active:
        revoke_all_sessions(session, user.id, reason=sign_in_events.DEACTIVATED)
    audit.record(
        session,
        "user.reactivated" if active else "user.deactivated",
        actor=actor,
        meta=meta,
        target_type="user",
        target_id=user.id,
        organization_id=user.organization_id,
    )
    return user


def set_organization(
    session: Session, actor: Principal, user_id: int, organization_id: int | None, meta: RequestMeta
) -> User:
    """A platform admin puts someone in an FPO (or takes them out) directly; org admins approve requests."""
    from kisaan_app.services.accounts import membership

    require_role(actor, Role.ADMIN)
    user = _managed_user(session, actor, user_id)
    return membership.assign(session, user, organization_id, actor=actor, meta=meta)


def _ensure_profile(session: Session, user: User) -> None:
    if (
        user.role == Role.FARMER
        and not session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).first()
    ):
        session.add(FarmerProfile(user_id=user.id))
    if (
        user.role == Role.BUYER
        and not session.exec(select(BuyerProfile).where(BuyerProfile.user_id == user.id)).first()
    ):
        session.add(BuyerProfile(user_id=user.id))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    return user


def create_organization(
    session: Session, actor: Principal, name: str, district: str | None, state: str | None, meta: RequestMeta
) -> Organization:
    require_role(actor, Role.ADMIN)
    name = check_name(name, field="name")
    if session.exec(select(Organization.id).where(Organization.name == name)).first():
        raise Conflict("organization_exists", field="name")
    org = Organization(name=name, district=district, state=state)
    session.add(org)
    session.flush()
    audit.record(
        session,
        "organization.created",
        actor=actor,
        meta=meta,
        target_type="organization",
        target_id=org.id,
        organization_id=org.id,
    )
    return org


def list_organizations(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).where(Organization.is_active).order_by(Organization.name)).all())
