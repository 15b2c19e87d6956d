"""Password hashing (argon2) and signed session tokens (PyJWT, HS256)."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kisaan_app.settings import get_settings

_hasher = PasswordHasher()
_ISSUER = "kisaansay"
SESSION_TOKEN = "session"
LOGIN_TICKET = "ticket"
# A hash of a random password, verified when the account does not exist so timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    session_id: str
    token_type: str
    expires_at: datetime


def issue_token(user_id: int, session_id: str, token_type: str, ttl: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": _ISSUER,
        "sub": str(user_id),
        "sid": session_id,
        "typ": token_type,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, get_settings().secret_key, algorithm="HS256")


def decode_token(token: str, expected_type: str) -> TokenClaims | None:
    """The token's claims, or None when it is malformed, tampered with, expired or of another type."""
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=["HS256"],
            issuer=_ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "typ"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != expected_type:
        return None
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        return None
    return TokenClaims(
        user_id=user_id,
        session_id=str(claims["sid"]),
        token_type=claims["typ"],
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


def safe_next_path(path: str | None) -> str:
    """Where a `next=` may send someone after login: only a path on this site, else "/".

    Browsers read a backslash as a slash and drop tabs and newlines inside URLs, so a backslash, `/<tab>/evil`
    and `//evil` all leave the site; the encoded forms (`/%09/evil`, `/%2F/evil`, `/%5Cevil`) do once
    something decodes them again. The check runs on the value and on its decoded form, and refuses any
    control character or backslash outright rather than trying to clean them."""
    if not path or len(path) > 500:
        return "/"
    for form in (path, unquote(path)):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return "/"
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in form):
            return "/"
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return "/"
    return path
