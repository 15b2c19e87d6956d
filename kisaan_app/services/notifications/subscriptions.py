"""A person's Web Push devices: subscribe (or move a device to whoever is signed in now), unsubscribe."""

import base64
import binascii
from urllib.parse import urlsplit

from sqlmodel import Session, delete, select

from kisaan_app.models.notifications import PushSubscription
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.settings import get_settings


def _key_bytes(value: str, field: str) -> int:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        raise ValidationFailed("push_subscription_invalid", field=field) from None


def _check(endpoint: str, p256dh: str, auth: str) -> None:
    parts = urlsplit(endpoint)
    # Browsers only hand out https push services; plain http is the local stand-in, refused in production.
    allowed = ("https",) if get_settings().is_prod else ("https", "http")
    if parts.scheme not in allowed or not parts.netloc or len(endpoint) > 1000:
        raise ValidationFailed("push_endpoint_invalid", field="endpoint")
    if _key_bytes(p256dh, "keys.p256dh") != 65 or _key_bytes(auth, "keys.auth") != 16:
        raise ValidationFailed("push_subscription_invalid", field="keys")


def subscribe(
    session: Session, actor: Principal, *, endpoint: str, p256dh: str, auth: str, user_agent: str | None = None
) -> PushSubscription:
    _check(endpoint, p256dh, auth)
    row = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
    row = row or PushSubscription(user_id=actor.id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    # One browser profile, one endpoint: whoever subscribes it last receives its pushes.
    row.user_id, row.p256dh, row.auth, row.failure_count = actor.id, p256dh, auth, 0
    row.user_agent = (user_agent or "")[:300] or None
    session.add(row)
    session.flush()
    return row


def unsubscribe(session: Session, actor: Principal, endpoint: str) -> int:
    return session.exec(
        delete(PushSubscription).where(PushSubscription.endpoint == endpoint, PushSubscription.user_id == actor.id)
    ).rowcount
