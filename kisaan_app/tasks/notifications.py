"""Notification jobs: send deliveries (in small batches), write campaigns, sweep due retries, escalate."""

import logging
from datetime import timedelta

from huey import crontab

from kisaan_app.jobs import huey, job

log = logging.getLogger(__name__)
BATCH = 25  # deliveries per task: fewer queue round trips than one task each, still spread over workers
SWEEP_GRACE = timedelta(minutes=2)  # a pending row no task took by then was lost (e.g. a worker restart)


@job("notifications.deliver")
def enqueue_deliveries(delivery_ids: list[int]) -> None:
    for start in range(0, len(delivery_ids), BATCH):
        deliver_batch(delivery_ids[start : start + BATCH])


def _deliver_and_reschedule(delivery_ids: list[int]) -> list[str]:
    from kisaan_app.services.notifications.delivery import deliver_many

    outcomes = deliver_many(delivery_ids)
    for delivery_id, outcome in outcomes.items():
        if outcome.retry_at is not None:
            deliver_one.schedule(args=(delivery_id,), eta=outcome.retry_at)
    return [outcomes[i].status for i in delivery_ids]


@huey.task()
def deliver_batch(delivery_ids: list[int]) -> list[str]:
    return _deliver_and_reschedule(delivery_ids)


@huey.task()
def deliver_one(delivery_id: int) -> str:
    return _deliver_and_reschedule([delivery_id])[0]


@job("notifications.run_campaign")
@huey.task()
def run_campaign(campaign_id: int) -> int:
    from kisaan_app.services.notifications.campaigns import write_deliveries

    return write_deliveries(campaign_id)


@huey.periodic_task(crontab(minute="*"))
def sweep_deliveries() -> dict[str, int]:
    """Due retries, plus whatever a lost enqueue left behind (pending rows, campaigns never started)."""
    from kisaan_app.db import session_scope
    from kisaan_app.models.base import utcnow
    from kisaan_app.services.notifications.campaigns import stalled, write_deliveries
    from kisaan_app.services.notifications.delivery import deliver_due

    with session_scope() as session:
        lost_campaigns = stalled(session, utcnow() - SWEEP_GRACE)
    for campaign_id in lost_campaigns:
        try:
            write_deliveries(campaign_id)
        except Exception:  # one broken campaign must not keep every due delivery waiting behind it
            log.exception("sweeper: campaign %s could not be written", campaign_id)
    return deliver_due(grace=SWEEP_GRACE)


@huey.periodic_task(crontab(minute="*"))
def escalate_unread_alerts() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.notifications.escalation import escalate_unread

    with session_scope() as session:
        return escalate_unread(session)


@job("weather.send_alert")
@huey.task(retries=3, retry_delay=30)
def notify_weather_alert(alert_id: int) -> None:
    """Push / SMS / email for a weather warning's farmers, written here rather than in the issuing request; then
    its audio in each of their languages."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.feeds.weather import send_on_provider_channels
    from kisaan_app.services.voice.alerts import prerender_alert

    with session_scope() as session:
        send_on_provider_channels(session, alert_id)
    # Then, the messages being on their way, a red or orange warning is read aloud once per farmers' language
    # (after the transaction: rendering is CPU work, never done holding a connection). Audio is a convenience:
    # its failure must never make this job retry the sends.
    try:
        prerender_alert(alert_id)
    except Exception:
        log.exception("weather alert %s: audio pre-render failed", alert_id)
