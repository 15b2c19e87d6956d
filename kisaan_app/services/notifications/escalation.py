"""Escalation: a critical alert still unread in the app after a while goes out again by SMS, once."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.notifications.audience import Reach
from kisaan_app.services.notifications.dispatch import enqueue_on_commit, existing_keys
from kisaan_app.services.notifications.preferences import allowed_channels
from kisaan_app.settings import get_settings

LOOKBACK = timedelta(hours=24)  # older alerts are stale: an SMS about yesterday's storm helps nobody


def escalate_unread(session: Session, now: datetime | None = None) -> int:
    """Write one SMS delivery per unread critical in-app alert older than the delay; returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=get_settings().escalate_after_minutes)
    alerts = session.exec(
        select(NotificationHistory, User)
        .join(User, col(User.id) == col(NotificationHistory.user_id))
        .where(
            NotificationHistory.channel == "in_app",
            col(NotificationHistory.is_critical),
            col(NotificationHistory.read_at).is_(None),
            col(NotificationHistory.created_at) <= cutoff,
            col(NotificationHistory.created_at) >= now - LOOKBACK,
            col(User.phone).is_not(None),
        )
    ).all()
    # Critical alerts skip quiet hours, never an opt-out: whoever turned SMS off for the category, or texted
    # STOP, gets none.
    reach = Reach.load(session, [user for _alert, user in alerts])
    alerts = [
        (alert, user)
        for alert, user in alerts
        if "sms" in allowed_channels(reach.preferences.get(user.id), alert.category, critical=True, now=now)
        and user.phone not in reach.sms_opted_out
    ]
    keys = {alert.id: f"escalate:{alert.id}" for alert, _user in alerts}
    done = existing_keys(session, list(keys.values()))
    rows = [
        NotificationHistory(
            idempotency_key=keys[alert.id],
            user_id=user.id,
            organization_id=alert.organization_id,
            batch_id=alert.batch_id,
            channel="sms",
            category=alert.category,
            is_critical=True,
            recipient=user.phone,
            language=alert.language,
            subject=alert.subject,
            body=alert.body if not alert.subject else f"{alert.subject}: {alert.body}"[:1600],
            data={"escalated_from": alert.id},
            status=DeliveryStatus.PENDING,
        )
        for alert, user in alerts
        if keys[alert.id] not in done
    ]
    session.add_all(rows)
    session.flush()
    enqueue_on_commit(session, [r.id for r in rows])
    return len(rows)
