"""The app's VAPID key pair: from settings, else generated once and kept in the database for every process."""

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kisaan_app.models.notifications import AppSecret
from kisaan_app.settings import get_settings

SECRET_NAME = "vapid"


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url of the raw 32-byte scalar (what pywebpush's Vapid.from_string reads)
    public_key: str  # base64url of the uncompressed point: the browser's applicationServerKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return VapidKeys(_b64(key.private_numbers().private_value.to_bytes(32, "big")), _b64(public))


def _stored(session: Session) -> VapidKeys | None:
    row = session.exec(select(AppSecret).where(AppSecret.name == SECRET_NAME)).first()
    return VapidKeys(**row.value) if row else None


def keys(session: Session) -> VapidKeys:
    settings = get_settings()
    if settings.vapid_private_key and settings.vapid_public_key:
        return VapidKeys(settings.vapid_private_key, settings.vapid_public_key)
    found = _stored(session)
    if found:
        return found
    fresh = generate()
    try:
        # A savepoint: two processes racing to create the pair both end up with the one that landed first.
        with session.begin_nested():
            session.add(AppSecret(name=SECRET_NAME, value=fresh.__dict__))
    except IntegrityError:
        return _stored(session) or fresh
    return fresh


def public_key(session: Session) -> str:
    return keys(session).public_key
