"""Self-service sign-up (the register page and POST /api/auth/register): the account rules plus abuse limits."""

from sqlmodel import Session

from kisaan_app.models.accounts import User
from kisaan_app.services import ratelimit
from kisaan_app.services.accounts import Registration, register
from kisaan_app.services.accounts.validation import normalize_email, normalize_phone
from kisaan_app.services.context import RequestMeta
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.settings import get_settings


def sign_up(session: Session, reg: Registration, meta: RequestMeta) -> User:
    """Register under per-IP and per-contact limits (hit-and-test: a refused attempt is not a new account).

    The contact limit counts attempts for one mobile number (or email) whether or not it is taken, so the
    answer never tells which numbers have accounts."""
    settings = get_settings()
    ratelimit.take(settings.register_rate_per_ip, "register-ip", meta.ip or "unknown")
    contact = _contact(reg)
    if contact:
        ratelimit.take(settings.register_rate_per_phone, "register-contact", contact)
    return register(session, reg, meta)


def _contact(reg: Registration) -> str | None:
    try:
        if (reg.phone or "").strip():
            return normalize_phone(reg.phone)
        if (reg.email or "").strip():
            return normalize_email(reg.email)
    except ValidationFailed:
        return None  # register() reports the malformed value
    return None
