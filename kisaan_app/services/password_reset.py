"""Password reset by a one-time SMS code, asked for by the farmer or sent by an admin / their FPO's admin.

- Asking never says whether the number has an account (the same answer either way); it is limited per number
  and per address, and the code goes out through the notification pipeline as an SMS delivery row.
- Only a keyed hash of the code is stored (HMAC with the app secret: six digits are too few to hash plainly).
  A code expires, is used once, and is dead after too many wrong tries: each try is counted by one guarded
  UPDATE before the code is compared, so parallel guesses cannot run past the limit. A new code replaces the
  old one. Once a code can no longer be used, the SMS text kept in the delivery row is blanked.
- Setting the new password signs the person out everywhere.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlmodel import Session, col, select, update

from kisaan_app.i18n import t
from kisaan_app.models.accounts import PasswordResetCode, User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import audit, ratelimit, security, sign_in_events
from kisaan_app.services.accounts import revoke_all_sessions
from kisaan_app.services.authz import can_manage, require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.notifications.dispatch import enqueue_on_commit
from kisaan_app.services.validation import check_password, normalize_phone
from kisaan_app.settings import get_settings

CODE_DIGITS = 6


def _digest(user_id: int, code: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"password-reset:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _blank_sms(session: Session, codes: list[PasswordResetCode]) -> None:
    ids = [c.delivery_id for c in codes if c.delivery_id is not None]
    if ids:
        session.exec(
            update(NotificationHistory)
            .where(col(NotificationHistory.id).in_(ids))
            .values(body=t("en", "reset.sms_spent"), updated_at=utcnow())
        )


def _live_codes(user_id: int):
    return select(PasswordResetCode).where(
        PasswordResetCode.user_id == user_id,
        col(PasswordResetCode.used_at).is_(None),
        col(PasswordResetCode.invalidated_at).is_(None),
    )


def _issue(session: Session, user: User, requested_by: Principal | None) -> None:
    """Replace any live code with a new one and queue its SMS (sent after commit, like every delivery)."""
    settings = get_settings()
    now = utcnow()
    old = list(session.exec(_live_codes(user.id)).all())
    for row in old:
        row.invalidated_at = now
        session.add(row)
    _blank_sms(session, old)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PasswordResetCode(
        user_id=user.id,
        code_hash=_digest(user.id, code),
        expires_at=now + timedelta(minutes=settings.password_reset_code_minutes),
        requested_by_id=requested_by.id if requested_by else None,
    )
    session.add(row)
    session.flush()
    sms = NotificationHistory(
        idempotency_key=f"password-reset:{row.id}",
        user_id=user.id,
        channel="sms",
        category="system",
        is_critical=True,  # asked for now: not held back by quiet hours or channel choices
        recipient=user.phone,
        language=user.preferred_language,
        body=t(user.preferred_language, "reset.sms", otp=code, minutes=settings.password_reset_code_minutes),
        data={"password_reset": row.id},
        status="pending",
    )
    session.add(sms)
    session.flush()
    row.delivery_id = sms.id
    session.add(row)
    enqueue_on_commit(session, [sms.id])


def request_reset(session: Session, phone: str, meta: RequestMeta) -> None:
    """Send a code if an active account has this number; otherwise do nothing, with the same answer."""
    settings = get_settings()
    number = normalize_phone(phone or "")
    ratelimit.take(settings.password_reset_rate_per_ip, "reset-ip", meta.ip or "unknown")
    ratelimit.take(settings.password_reset_rate_per_phone, "reset-phone", number)
    user = session.exec(select(User).where(User.phone == number, col(User.is_active))).first()
    if user is not None:
        _issue(session, user, None)
    audit.record(
        session,
        "auth.password_reset_requested",
        actor=user,
        actor_label=number,
        meta=meta,
        target_type="user" if user else None,
        target_id=user.id if user else None,
        outcome="success" if user else "failure",
        details={} if user else {"reason": "unknown_number"},
    )


def send_reset_code(session: Session, actor: Principal, user_id: int, meta: RequestMeta) -> User:
    """An admin, or the org admin of the person's FPO, sends them a reset code (they never see it)."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    user = session.get(User, user_id)
    if user is None or not can_manage(actor, user):
        raise NotFound("user_not_found")
    if not user.phone:
        raise ValidationFailed("reset_needs_phone")
    if not user.is_active:
        raise ValidationFailed("reset_user_inactive")
    ratelimit.take(get_settings().password_reset_rate_per_phone, "reset-phone", user.phone)
    _issue(session, user, actor)
    audit.record(
        session,
        "user.password_reset_sent",
        actor=actor,
        meta=meta,
        target_type="user",
        target_id=user.id,
        organization_id=user.organization_id,
    )
    return user


def _fail(session: Session, number: str, user: User | None, meta: RequestMeta, reason: str) -> ValidationFailed:
    audit.record(
        session,
        "auth.password_reset_failed",
        actor=user,
        actor_label=number,
        meta=meta,
        outcome="failure",
        details={"reason": reason},
    )
    session.commit()  # the counted try and its audit row stand, though the caller gets an error
    return ValidationFailed("invalid_reset_code", field="code")


def confirm_reset(session: Session, phone: str, code: str, new_password: str, meta: RequestMeta) -> None:
    """Set a new password with a valid code; every session of the account is revoked."""
    settings = get_settings()
    ratelimit.take(settings.password_reset_confirm_rate_per_ip, "reset-confirm-ip", meta.ip or "unknown")
    number = normalize_phone(phone or "")
    check_password(new_password or "", field="new_password")  # before a try is spent on the code
    code = (code or "").strip()
    now = utcnow()
    user = session.exec(select(User).where(User.phone == number, col(User.is_active))).first()
    row = None
    if user is not None:
        live = _live_codes(user.id).where(PasswordResetCode.expires_at > now)
        row = session.exec(live.order_by(col(PasswordResetCode.id).desc())).first()
    if user is None or row is None:
        raise _fail(session, number, user, meta, "no_live_code")
    max_attempts = settings.password_reset_max_attempts
    tried = session.exec(
        update(PasswordResetCode)
        .where(
            PasswordResetCode.id == row.id,
            PasswordResetCode.attempts < max_attempts,
            col(PasswordResetCode.used_at).is_(None),
            col(PasswordResetCode.invalidated_at).is_(None),
        )
        .values(attempts=PasswordResetCode.attempts + 1, updated_at=now)
        .returning(PasswordResetCode.attempts)
    ).first()
    if tried is None:
        raise _fail(session, number, user, meta, "code_dead")
    if not hmac.compare_digest(row.code_hash, _digest(user.id, code)):
        if tried[0] >= max_attempts:
            session.exec(update(PasswordResetCode).where(PasswordResetCode.id == row.id).values(invalidated_at=now))
            _blank_sms(session, [row])
        raise _fail(session, number, user, meta, "wrong_code")
    used = session.exec(
        update(PasswordResetCode)
        .where(PasswordResetCode.id == row.id, col(PasswordResetCode.used_at).is_(None))
        .values(used_at=now, updated_at=now)
    ).rowcount
    if used != 1:
        raise _fail(session, number, user, meta, "code_dead")
    user.password_hash = security.hash_password(new_password)
    session.add(user)
    revoke_all_sessions(session, user.id, reason=sign_in_events.PASSWORD_RESET)
    _blank_sms(session, [row])
    audit.record(
        session,
        "auth.password_reset",
        actor=user,
        meta=meta,
        target_type="user",
        target_id=user.id,
        organization_id=user.organization_id,
    )
