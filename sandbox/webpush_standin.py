"""A local stand-in for a browser's Web Push service (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID).

It plays both sides a real push needs:
- the *browser*: `POST /sandbox/push/devices` registers a device (with the test's own P-256 key pair, or keys
  generated here) and returns a PushSubscription JSON whose endpoint points at this service;
- the *push service*: `POST /push/send/{token}` is what `pywebpush` calls. It checks the headers and the VAPID JWT
  like FCM / Mozilla autopush do, then decrypts the aes128gcm payload with the device's private key, so the
  outbox shows the notification text the user would see.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from py_vapid import jwt as vapid_jwt

from sandbox.outbox import Outbox

if TYPE_CHECKING:  # server.py imports the stand-ins; a runtime import back would be circular
    from sandbox.server import SandboxConfig

PROVIDER = "webpush"
MAX_PAYLOAD_BYTES = 4096  # RFC 8030 §7.2: push services must accept at least, and may refuse more than, 4096
MAX_VAPID_LIFETIME_SECONDS = 24 * 3600  # RFC 8292 §2: "exp" no more than 24 hours from the request
THROTTLE_RETRY_AFTER_SECONDS = 30
BEHAVIOURS = ("ok", "gone", "throttle")
URGENCIES = ("very-low", "low", "normal", "high")
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # RFC 8030 §5.4: at most 32 base64url characters
SUB_CLAIM = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", re.IGNORECASE)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (Web Push keys are sent unpadded)."""
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_b64(private_key: ec.EllipticCurvePrivateKey) -> str:
    """The uncompressed P-256 point, base64url — the `p256dh` of a PushSubscription."""
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(raw)


def load_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM, or base64url of the raw 32-byte scalar (or of DER); ValueError otherwise."""
    try:
        if value.lstrip().startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(value.encode(), password=None)
        else:
            raw = b64url_decode(value)
            if len(raw) == 32:
                return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            key = serialization.load_der_private_key(raw, password=None)
    except (binascii.Error, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"unreadable private_key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("private_key must be a P-256 (prime256v1) EC key")
    return key


class PushRejected(Exception):
    """A push the service refuses: HTTP status, a human reason, extra response headers."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        phrase = HTTPStatus(self.status).phrase
        return JSONResponse(
            {"code": self.status, "error": phrase, "message": self.reason},
            status_code=self.status,
            headers=self.headers,
        )


def _authorization_parts(request: Request) -> tuple[str, str]:
    """(JWT, base64url public key) from `vapid t=…, k=…` (RFC 8292) or legacy `WebPush <jwt>` + Crypto-Key."""
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise PushRejected(401, "Missing Authorization header: a VAPID (RFC 8292) token is required")
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "vapid":
        params = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        token, key = params.get("t", ""), params.get("k", "")
    elif scheme.lower() == "webpush":  # draft VAPID (py_vapid's Vapid01) still accepted by FCM and autopush
        crypto_key = request.headers.get("crypto-key", "")
        entries = dict(p.strip().split("=", 1) for p in re.split(r"[;,]", crypto_key) if "=" in p)
        token, key = rest.strip(), entries.get("p256ecdsa", "")
    else:
        raise PushRejected(401, f"Unsupported Authorization scheme {scheme!r}; expected 'vapid t=..., k=...'")
    if not token or not key:
        raise PushRejected(401, "Malformed VAPID Authorization: both the token (t) and the key (k) are required")
    return token, key


def verify_vapid(request: Request, audience: str, now: float | None = None) -> dict:
    """Verify the request's VAPID JWT and return its claims, raising PushRejected.

    Per RFC 8292 §4.2: absent or unparseable authentication → 401; present but invalid → 403.
    """
    token, key = _authorization_parts(request)
    try:
        header = json.loads(b64url_decode(token.split(".", 1)[0]))
    except (ValueError, binascii.Error) as exc:
        raise PushRejected(401, "VAPID token is not a JWT") from exc
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise PushRejected(403, "VAPID JWT must be signed with ES256")
    try:
        claims = vapid_jwt.decode(token, key)
    except InvalidSignature as exc:
        raise PushRejected(403, "VAPID JWT signature does not verify with the key in 'k'") from exc
    if not isinstance(claims, dict):
        raise PushRejected(403, "VAPID JWT claims must be a JSON object")
    now = time.time() if now is None else now
    if claims.get("aud") != audience:
        raise PushRejected(403, f"VAPID 'aud' {claims.get('aud')!r} does not match the push service {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise PushRejected(403, "VAPID 'exp' is missing or in the past")
    if exp > now + MAX_VAPID_LIFETIME_SECONDS:
        raise PushRejected(403, "VAPID 'exp' is more than 24 hours ahead")
    if not SUB_CLAIM.match(str(claims.get("sub", ""))):
        raise PushRejected(403, "VAPID 'sub' must be a mailto: or https: contact URI")
    return claims


@dataclass
class Device:
    """A fake browser profile: its subscription keys, how its push service behaves, what it received."""

    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    behaviour: str = "ok"
    messages: list[dict] = field(default_factory=list)

    def subscription(self, base_url: str) -> dict:
        """The PushSubscription JSON a browser hands to the app (`PushSubscription.toJSON()`)."""
        return {
            "endpoint": f"{base_url}/push/send/{self.token}",
            "expirationTime": None,
            "keys": {"p256dh": public_key_b64(self.private_key), "auth": b64url_encode(self.auth)},
        }


def _new_device(spec: dict) -> Device:
    """A device from a registration body; empty fields get fresh keys. Raises ValueError on bad input."""
    behaviour = spec.get("behaviour") or "ok"
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"behaviour must be one of {', '.join(BEHAVIOURS)}")
    if spec.get("private_key"):
        private_key = load_private_key(str(spec["private_key"]))
    else:
        private_key = ec.generate_private_key(ec.SECP256R1())
    try:
        auth = b64url_decode(str(spec["auth"])) if spec.get("auth") else secrets.token_bytes(16)
    except binascii.Error as exc:
        raise ValueError("auth must be base64url") from exc
    if len(auth) != 16:
        raise ValueError("auth must be 16 bytes (base64url)")
    return Device(secrets.token_urlsafe(24), private_key, auth, behaviour)


class _PushService:
    """Devices plus the delivery checks; `make_router` exposes it over HTTP."""

    def __init__(self, config: SandboxConfig, outbox: Outbox) -> None:
        self.config = config
        self.outbox = outbox
        parts = urlsplit(config.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"  # the "aud" every VAPID JWT must name
        self.devices: dict[str, Device] = {}
        self.lock = threading.Lock()

    def register(self, spec: dict) -> Device:
        device = _new_device(spec)
        with self.lock:
            self.devices[device.token] = device
        return device

    def device(self, token: str) -> Device | None:
        with self.lock:
            return self.devices.get(token)

    def deliver(self, token: str, request: Request, body: bytes) -> dict:
        """Check and decrypt one push, store it on the device and return the stored message (or raise)."""
        device = self.device(token)
        if device is None or device.behaviour == "gone":
            raise PushRejected(410, "Subscription is no longer valid (unsubscribed or expired)")
        ttl = request.headers.get("ttl", "")
        if not ttl.isdigit():
            raise PushRejected(400, "Missing or invalid TTL header (RFC 8030 §5.2)")
        if len(body) > MAX_PAYLOAD_BYTES:
            raise PushRejected(413, f"Payload of {len(body)} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit")
        encoding = request.headers.get("content-encoding", "")
        if body and encoding.lower() != "aes128gcm":
            raise PushRejected(415, f"Content-Encoding must be aes128gcm (RFC 8291), got {encoding or 'none'!r}")
        urgency = request.headers.get("urgency", "normal")
        if urgency not in URGENCIES:
            raise PushRejected(400, f"Urgency must be one of {', '.join(URGENCIES)}")
        topic = request.headers.get("topic")
        if topic is not None and not TOPIC.match(topic):
            raise PushRejected(400, "Topic must be at most 32 base64url characters")
        claims = verify_vapid(request, self.origin)
        if device.behaviour == "throttle":
            raise PushRejected(
                429, "Too many messages for this subscription", {"Retry-After": str(THROTTLE_RETRY_AFTER_SECONDS)}
            )
        try:
            plain = (
                http_ece.decrypt(body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm")
                if body
                else b""
            )
        except (http_ece.ECEException, InvalidTag, ValueError) as exc:
            # A real push service cannot decrypt and would accept; the browser would then drop the message
            # silently. The sandbox says so at once, which is what a developer needs.
            raise PushRejected(400, f"Payload does not decrypt with the subscription keys: {exc}") from exc
        text = plain.decode("utf-8", errors="replace")
        message = {
            "id": secrets.token_hex(8),
            "text": text,
            "ttl": int(ttl),
            "urgency": urgency,
            "topic": topic,
            "vapid_sub": claims.get("sub"),
            "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        with self.lock:
            # RFC 8030 §5.4: a message under a topic the service already holds replaces it, so a resend after a
            # lost answer (same topic) reaches the device once. The stand-in keeps what it delivered, so the
            # replacement takes the first copy's place instead of being a second notification.
            same = [i for i, m in enumerate(device.messages) if topic and m["topic"] == topic]
            if same:
                message["replaced"] = device.messages[same[0]]["id"]
                device.messages[same[0]] = message
            else:
                device.messages.append(message)
        return message

    def reject(self, token: str, request: Request, err: PushRejected) -> JSONResponse:
        self.outbox.record(
            PROVIDER,
            "push.rejected",
            f"push to {token[:10]}… refused: {err.status} {err.reason}",
            {
                "token": token,
                "status": err.status,
                "reason": err.reason,
                "headers": {k: v for k, v in request.headers.items() if k in ("ttl", "content-encoding", "urgency")},
            },
        )
        return err.response()


def make_router(config: SandboxConfig, outbox: Outbox) -> APIRouter:
    """The push endpoint (`/push/send/{token}`) and the device registry (`/sandbox/push/devices…`)."""
    service = _PushService(config, outbox)
    router = APIRouter(tags=["webpush"])

    @router.post("/sandbox/push/devices", status_code=201)
    async def register_device(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            spec = json.loads(raw) if raw.strip() else {}
            if not isinstance(spec, dict):
                raise ValueError("body must be a JSON object")
            device = service.register(spec)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return JSONResponse(device.subscription(config.url), status_code=201)

    @router.get("/sandbox/push/devices/{token}/messages")
    def device_messages(token: str) -> JSONResponse:
        device = service.device(token)
        if device is None:
            return JSONResponse({"detail": "unknown device"}, status_code=404)
        with service.lock:
            return JSONResponse(list(device.messages))

    @router.delete("/sandbox/push/devices/{token}", status_code=204)
    def unsubscribe_device(token: str) -> Response:
        """The user revoked permission: later pushes to this endpoint get 410 Gone."""
        with service.lock:
            service.devices.pop(token, None)
        return Response(status_code=204)

    @router.post("/push/send/{token}")
    async def push(token: str, request: Request) -> Response:
        body = await request.body()
        fault = config.fault_plan(PROVIDER).verdict(request.headers.get("topic"))
        if fault == "error":
            return service.reject(token, request, PushRejected(500, "Internal error (flaky push service)"))
        try:
            message = service.deliver(token, request, body)
        except PushRejected as err:
            return service.reject(token, request, err)
        outbox.record(
            PROVIDER,
            "push.replaced" if message.get("replaced") else "push",
            f"push to {token[:10]}…: {message['text'][:80]}",
            {"token": token, "endpoint": f"{config.url}/push/send/{token}", **message},
        )
        if fault == "hang":  # delivered to the device, but the sender gives up waiting for the 201
            await asyncio.sleep(config.fault_hang_seconds)
        return Response(
            status_code=201,
            headers={"Location": f"{config.url}/push/message/{message['id']}", "TTL": str(message["ttl"])},
        )

    return router
