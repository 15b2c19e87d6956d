"""A person's Web Push devices: subscribe (or move a device to whoever is signed in now), unsubscribe."""

from sqlmodel import Session, delete, select

from kisaan_app.models.notifications import PushSubscription
from kisaan_app.services.context import Principal
from kisaan_app.services.notifications.push_endpoints import check_endpoint, check_keys


def _check(endpoint: str, p256dh: str, auth: str) -> None:
    # Keys first: they need no network. The endpoint's host is resolved, and every address must be public.
    check_keys(p256dh, auth)
    check_endpoint(endpoint)


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
