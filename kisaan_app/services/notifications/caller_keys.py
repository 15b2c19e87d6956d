"""Sends on a caller's behalf (the notification API): limited per sender, and an idempotency key the caller chose
is the caller's alone.

Delivery rows are unique on their key, so a key taken as given would be shared by every sender: a second admin
who happens to pick "monday-alert" would find the first one's rows, send nothing, and learn that someone sent
to those people. The caller's id is therefore part of the key. A retry by the same caller (a lost response, an
offline client replaying its queue) writes nothing new and gets the same answer as the first request: the result
is always read back from the rows under the key, whether this request wrote them or an earlier one did.
"""

from sqlmodel import Session, col, select

from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import ratelimit
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.notifications.audience import Audience
from kisaan_app.services.notifications.dispatch import NotifyResult, notify
from kisaan_app.settings import get_settings

MAX_CALLER_KEY = 64


def namespaced(actor: Principal, key: str) -> str:
    if not (0 < len(key) <= MAX_CALLER_KEY) or not key.isprintable():
        raise ValidationFailed("invalid", field="idempotency_key")
    return f"u{actor.id}:{key}"


def _rows_under(session: Session, base: str) -> list[NotificationHistory]:
    prefix = col(NotificationHistory.idempotency_key).startswith(base + ":", autoescape=True)
    return list(session.exec(select(NotificationHistory).where(prefix).order_by(col(NotificationHistory.id))).all())


def notify_for_caller(
    session: Session, actor: Principal, audience: Audience, category: str, *, idempotency_key: str | None, **options
) -> NotifyResult:
    """notify() on the caller's behalf; with a key, the same caller and key always get the same result.
    Every call counts against the sender's budget (KISAAN_NOTIFY_SEND_RATE_PER_SENDER), retries included."""
    ratelimit.take(get_settings().notify_send_rate_per_sender, "notify-send", str(actor.id))
    if idempotency_key is None:
        return notify(session, actor, audience, category, **options)
    base = namespaced(actor, idempotency_key)
    result = notify(session, actor, audience, category, idempotency_key=base, **options)
    rows = _rows_under(session, base)
    deliveries = dict.fromkeys(result.deliveries, 0)
    for row in rows:
        deliveries[row.channel] = deliveries.get(row.channel, 0) + 1
    reached = {row.user_id for row in rows}
    return NotifyResult(
        batch_id=rows[0].batch_id if rows else result.batch_id,
        deliveries=deliveries,
        skipped=max(0, result.recipients - len(reached)),
        delivery_ids=[row.id for row in rows if row.channel != "in_app"],
        recipients=result.recipients,
    )
