"""Campaigns: a bulk send written in chunks by a huey task, so 10,000 farmers never block a request.

Progress is counted from the deliveries (batch_id) and pushed to the sender on the "campaign" topic at most
twice a second, with a trailing update so the last change is never lost.
"""

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from kisaan_app import jobs
from kisaan_app.db import on_commit, session_scope
from kisaan_app.models.accounts import Organization
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import CampaignStatus, DeliveryStatus, Role
from kisaan_app.models.notifications import NotificationCampaign, NotificationHistory
from kisaan_app.realtime import send_on_commit, user_target
from kisaan_app.realtime.payloads import CampaignUpdate
from kisaan_app.services import audit, ratelimit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.notifications.audience import RECIPIENT_VARIABLES, Audience, reach_of, resolve, scoped
from kisaan_app.services.notifications.dispatch import Composer, notify
from kisaan_app.settings import get_settings

CHUNK_SIZE = 500
BATCH_PREFIX = "c:"  # campaign batch ids; other batches (single sends) have no progress bar to feed
ANNOUNCE_INTERVAL = 0.5
BUCKETS = {
    DeliveryStatus.PENDING: "pending",
    DeliveryStatus.QUEUED: "sent",
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.READ: "delivered",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.UNDELIVERED: "failed",
    DeliveryStatus.SKIPPED: "failed",
}


@dataclass(frozen=True)
class CampaignView:
    id: int
    batch_id: str
    title: str
    category: str
    channels: list[str]
    recipients: int
    total: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class CampaignProgress:
    total: int
    pending: int
    sent: int
    delivered: int
    failed: int
    per_channel: dict[str, dict[str, int]]
    done: bool
    campaign_id: int = 0
    status: str = CampaignStatus.QUEUED


def _view(row: NotificationCampaign) -> CampaignView:
    return CampaignView(
        row.id,
        row.batch_id,
        row.title,
        row.category,
        row.channels,
        row.recipients,
        row.total,
        row.status,
        row.created_at,
    )


def start_campaign(
    session: Session,
    actor: Principal,
    meta: RequestMeta | None,
    *,
    audience: Audience,
    channels: list[str],
    category: str,
    template_key: str | None,
    subject: str | None,
    text: str | None,
    critical: bool = False,
    title: str | None = None,
    data: dict | None = None,
) -> CampaignView:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    audience = scoped(actor, audience)
    if not channels:
        raise ValidationFailed("channel_unknown", field="channels")
    if audience.organization_id is not None and session.get(Organization, audience.organization_id) is None:
        raise ValidationFailed("unknown_organization", field="organization_id")  # the campaign row names it
    reach, people = reach_of(session, actor, audience, channels, category, critical)
    if not reach.people:  # "sent to 0 people" is never a success
        if reach.suggestion:
            raise ValidationFailed("no_recipients_district", field="district", suggestion=reach.suggestion)
        raise ValidationFailed("no_recipients", field="audience")
    composer = Composer(session, template_key, subject, text)
    sample = {**dict.fromkeys(RECIPIENT_VARIABLES, ""), **(data or {})}
    # Every (channel, language) the job will render is tried now: a missing variable or template fails this
    # request, before anything is queued, rather than a chunk in the worker.
    for language in {p.preferred_language for p in people} or {"en"}:
        for channel in channels:
            composer.compose(channel, language, sample)
    recipients = len(people)
    # Counted only once the request is valid: a sender's typo does not use up their budget.
    ratelimit.take(get_settings().campaign_rate_per_sender, "campaign", str(actor.id))
    row = NotificationCampaign(
        batch_id=BATCH_PREFIX + uuid.uuid4().hex,
        title=(title or subject or template_key or (text or "")[:60])[:200],
        created_by_id=actor.id,
        organization_id=audience.organization_id,
        audience={**audience.as_dict(), "data": data or {}},
        channels=list(channels),
        category=category,
        template_key=template_key,
        subject=subject,
        body=text,
        is_critical=critical,
        recipients=recipients,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "notification.bulk_send",
        actor=actor,
        meta=meta,
        target_type="notification_campaign",
        target_id=row.id,
        details={"recipients": recipients, "channels": channels, "category": category},
    )
    jobs.enqueue_on_commit(session, "notifications.run_campaign", row.id)
    return _view(row)


def write_deliveries(campaign_id: int, chunk_size: int = CHUNK_SIZE) -> int:
    """The task body: write the campaign's delivery rows chunk by chunk; each commit enqueues its sends."""
    with session_scope() as session:
        row = session.get(NotificationCampaign, campaign_id)
        if row is None or row.status == "written":
            return 0
        row.updated_at = utcnow()  # claims it for a while against the sweeper (see stalled)
        spec = dict(row.audience)
        data = spec.pop("data", {})
        audience = Audience(**{**spec, "user_ids": tuple(spec.get("user_ids") or ())})
        user_ids = [u.id for u in resolve(session, None, audience)]
        row.status = CampaignStatus.RUNNING
        session.add(row)
    written = 0
    for start in range(0, len(user_ids), chunk_size):
        with session_scope() as session:
            row = session.get(NotificationCampaign, campaign_id)
            result = notify(
                session,
                None,
                Audience(user_ids=tuple(user_ids[start : start + chunk_size]), role=""),
                row.category,
                template_key=row.template_key,
                subject=row.subject,
                text=row.body,
                data=data,
                channels=row.channels,
                critical=row.is_critical,
                idempotency_key=row.batch_id,
                batch_id=row.batch_id,
            )
            written += sum(result.deliveries.values())
            row.total += sum(result.deliveries.values())
            session.add(row)
            announce(session, row.batch_id)
    with session_scope() as session:
        row = session.get(NotificationCampaign, campaign_id)
        row.status, row.finished_at = "written", utcnow()
        session.add(row)
        announce(session, row.batch_id, force=True)
    return written


def stalled(session: Session, older_than: datetime) -> list[int]:
    """Campaigns queued or half-written with no change since `older_than`: their task was lost or died.
    Running them again is safe: every delivery row has an idempotency key."""
    return list(
        session.exec(
            select(NotificationCampaign.id).where(
                col(NotificationCampaign.status).in_((CampaignStatus.QUEUED, CampaignStatus.RUNNING)),
                col(NotificationCampaign.updated_at) < older_than,
            )
        ).all()
    )


def _counts(session: Session, batch_id: str) -> dict[str, dict[str, int]]:
    per_channel: dict[str, dict[str, int]] = {}
    rows = session.exec(
        select(NotificationHistory.channel, NotificationHistory.status, func.count())
        .where(NotificationHistory.batch_id == batch_id)
        .group_by(col(NotificationHistory.channel), col(NotificationHistory.status))
    ).all()
    for channel, status, n in rows:
        bucket = per_channel.setdefault(channel, {"pending": 0, "sent": 0, "delivered": 0, "failed": 0})
        bucket[BUCKETS[status]] += n
    return per_channel


def _progress(session: Session, row: NotificationCampaign) -> CampaignProgress:
    per_channel = _counts(session, row.batch_id)
    sums = {k: sum(c[k] for c in per_channel.values()) for k in ("pending", "sent", "delivered", "failed")}
    # SMS stays "sent" until Twilio's callback; email and push are final once their service accepts them.
    waiting = sums["pending"] + per_channel.get("sms", {}).get("sent", 0)
    return CampaignProgress(
        total=max(row.total, sum(sums.values())),
        **sums,
        per_channel=per_channel,
        done=row.status == "written" and waiting == 0,
        campaign_id=row.id,
        status=row.status,
    )


def _visible(session: Session, actor: Principal, campaign_id: int) -> NotificationCampaign:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    row = session.get(NotificationCampaign, campaign_id)
    if row is None or (actor.role != Role.ADMIN and row.organization_id != actor.organization_id):
        raise NotFound()
    return row


def progress(session: Session, actor: Principal, campaign_id: int) -> CampaignProgress:
    return _progress(session, _visible(session, actor, campaign_id))


def list_campaigns(session: Session, actor: Principal, limit: int = 20) -> list[CampaignView]:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    stmt = select(NotificationCampaign).order_by(col(NotificationCampaign.id).desc()).limit(limit)
    if actor.role != Role.ADMIN:
        stmt = stmt.where(NotificationCampaign.organization_id == actor.organization_id)
    return [_view(r) for r in session.exec(stmt).all()]


# --- live progress ----------------------------------------------------------------------------------------------

_last_sent: dict[str, float] = {}
_trailing: set[str] = set()
_lock = threading.Lock()


def _publish(session: Session, batch_id: str) -> None:
    row = session.exec(select(NotificationCampaign).where(NotificationCampaign.batch_id == batch_id)).first()
    if row is None or row.created_by_id is None:
        return  # a plain notify() batch: nobody watches a progress bar
    send_on_commit(session, user_target(row.created_by_id), CampaignUpdate(**_progress(session, row).__dict__))


def _flush_trailing(batch_id: str) -> None:
    with _lock:
        _trailing.discard(batch_id)
        _last_sent[batch_id] = time.monotonic()
    with session_scope() as session:
        _publish(session, batch_id)


def _schedule_trailing(batch_id: str) -> None:
    """After the caller's commit: make sure one more update goes out once the interval ends. Scheduled after
    the commit so that update (a new transaction) is sure to see this change."""
    with _lock:
        if batch_id in _trailing:
            return  # a pending timer will read the database after this commit
        _trailing.add(batch_id)
        wait = max(ANNOUNCE_INTERVAL - (time.monotonic() - _last_sent.get(batch_id, 0.0)), 0.0)
    timer = threading.Timer(wait, _flush_trailing, (batch_id,))
    timer.daemon = True
    timer.start()


def announce(session: Session, batch_id: str, *, force: bool = False) -> None:
    """Publish the campaign's progress with this transaction, or, inside the throttle interval, soon after."""
    if not batch_id.startswith(BATCH_PREFIX):
        return
    now = time.monotonic()
    with _lock:
        throttled = not force and now - _last_sent.get(batch_id, 0.0) < ANNOUNCE_INTERVAL
        if not throttled:
            _last_sent[batch_id] = now
    if throttled:
        on_commit(session, _schedule_trailing, batch_id)
    else:
        _publish(session, batch_id)
