"""Web Push through pywebpush (RFC 8291 payload encryption, RFC 8292 VAPID), one delivery per device."""

import json

import requests
from pywebpush import WebPushException, webpush
from sqlmodel import delete, select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory, PushSubscription
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.notifications.channels import vapid
from kisaan_app.services.notifications.channels.base import (
    PermanentSendError,
    Sent,
    TransientSendError,
    key_digest,
    provider_timeout,
)
from kisaan_app.services.notifications.push_endpoints import check_endpoint, check_keys
from kisaan_app.services.outbound import NoRedirectSession, PinnedSession, Target
from kisaan_app.settings import get_settings

MAX_PAYLOAD_BYTES = 3800  # encryption adds ~100 bytes; push services accept 4096


def payload(delivery: NotificationHistory) -> str:
    data = delivery.data or {}
    return json.dumps(
        {
            "title": delivery.subject or "Kisaansay",
            "body": delivery.body,
            "url": data.get("url", "/"),
            # The service worker shows it with this tag: a resend the push service had already delivered (its
            # Topic replaces only messages it still holds) replaces the notification instead of adding a second.
            "tag": key_digest(delivery.idempotency_key, 16),
        },
        ensure_ascii=False,
    )


def _retry_after(response: requests.Response | None) -> float | None:
    value = (response.headers.get("Retry-After") if response is not None else None) or ""
    return float(value) if value.isdigit() else None


def _forget(endpoint: str) -> None:
    with session_scope() as session:
        session.exec(delete(PushSubscription).where(PushSubscription.endpoint == endpoint))


def _mark_success(endpoint: str) -> None:
    with session_scope() as session:
        sub = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
        if sub:
            sub.last_success_at, sub.failure_count = utcnow(), 0
            session.add(sub)


def _post(
    info: dict, body: str, private_key: str, delivery: NotificationHistory, session: requests.Session
) -> requests.Response:
    settings = get_settings()
    return webpush(
        subscription_info=info,
        data=body,
        vapid_private_key=private_key,
        vapid_claims={"sub": settings.vapid_subject},  # a fresh dict: pywebpush writes aud/exp into it
        ttl=settings.push_ttl_seconds,
        timeout=provider_timeout(),
        # RFC 8030 Topic: a push service replaces a message it still holds under the same topic, so a resend
        # after a lost answer reaches the device once. One topic per delivery, the same on every retry.
        headers={
            "Urgency": "high" if delivery.is_critical else "normal",
            "Topic": key_digest(delivery.idempotency_key),
        },
        requests_session=session,
    )


def _check_target(info: dict) -> Target | None:
    """Again at send time: the name may resolve elsewhere now, and rows stored before the checks existed
    may hold keys pywebpush cannot use. Either fails this delivery alone, for good. Returns where to connect."""
    try:
        check_keys(info["keys"]["p256dh"], info["keys"]["auth"])
        return check_endpoint(info["endpoint"])
    except ValidationFailed as err:
        error = TransientSendError if err.code == "outbound_host_unresolved" else PermanentSendError
        raise error(err.code, str(err.params.get("host", ""))) from None


def send(delivery: NotificationHistory) -> Sent:
    with session_scope() as session:
        sub = session.exec(select(PushSubscription).where(PushSubscription.endpoint == delivery.recipient)).first()
        keys = vapid.keys(session)
        if sub is None:
            raise PermanentSendError("push_unsubscribed", "the device unsubscribed before the send")
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    target = _check_target(info)
    body = payload(delivery)
    if len(body.encode()) > MAX_PAYLOAD_BYTES:
        raise PermanentSendError("push_payload_too_large", f"{len(body.encode())} bytes")
    try:
        # Connect to the address just checked, not to whatever the name resolves to a moment later.
        with PinnedSession(target) if target else NoRedirectSession() as session:
            response = _post(info, body, keys.private_key, delivery, session)
    except WebPushException as err:
        status = err.response.status_code if err.response is not None else 0
        reason = (err.response.text if err.response is not None else str(err))[:300]
        if status in (404, 410):
            _forget(info["endpoint"])  # the browser unsubscribed or the subscription expired
            raise PermanentSendError("push_gone", reason) from None
        if status == 413:
            raise PermanentSendError("push_payload_too_large", reason) from None
        if 300 <= status < 400:  # never followed: a redirect could point anywhere, inside included
            raise PermanentSendError("push_redirect_refused", str(status)) from None
        if status == 429 or status >= 500 or status == 0:
            raise TransientSendError(f"push_{status}", reason, retry_after=_retry_after(err.response)) from None
        raise PermanentSendError(f"push_{status}", reason) from None
    except requests.RequestException as err:
        raise TransientSendError("push_unreachable", type(err).__name__) from None
    _mark_success(info["endpoint"])
    return Sent(response.headers.get("Location"))
