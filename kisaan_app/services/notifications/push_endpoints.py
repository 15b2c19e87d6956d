"""What a Web Push subscription must be before the server sends to it: checked at subscribe AND at every send.

The endpoint is a URL the browser (so: anyone signed in) chose; see services/outbound.py for why that is
checked like any other user-chosen URL. The keys must be a real P-256 point and a 16-byte secret, or the
encryption step fails later in the middle of a batch.
"""

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.outbound import Target, checked_target
from kisaan_app.settings import get_settings

AUTH_BYTES = 16
MAX_ENDPOINT = 1000


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def is_sandbox_endpoint(endpoint: str) -> bool:
    """The local push stand-in's own send URL, allowed only while it is in use and never in prod."""
    settings = get_settings()
    if not settings.push_sandbox:
        return False
    try:
        origin = _origin(endpoint)
        path = urlsplit(endpoint).path
    except ValueError:
        return False
    port = settings.sandbox_port
    standins = {_origin(settings.sandbox_public_url), ("http", "127.0.0.1", port), ("http", "localhost", port)}
    return origin in standins and path.startswith("/push/send/")


def check_endpoint(endpoint: str) -> Target | None:
    """Raise ValidationFailed (field "endpoint") unless the server may POST to this endpoint now. Returns the
    checked target, whose address the send must connect to (None: the local stand-in, reached as named)."""
    if len(endpoint) > MAX_ENDPOINT:
        raise ValidationFailed("push_endpoint_invalid", field="endpoint")
    if is_sandbox_endpoint(endpoint):
        return None
    return checked_target(endpoint, get_settings().push_hosts)


def _decoded(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError, TypeError):
        raise ValidationFailed("push_subscription_invalid", field="keys") from None


def check_keys(p256dh: str, auth: str) -> None:
    """p256dh: an uncompressed point on P-256 (65 bytes, 0x04 || x || y); auth: 16 random bytes."""
    raw = _decoded(p256dh)
    try:
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise ValidationFailed("push_key_invalid", field="keys.p256dh") from None
    if len(_decoded(auth)) != AUTH_BYTES:
        raise ValidationFailed("push_auth_invalid", field="keys.auth")
