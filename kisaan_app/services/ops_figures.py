"""The system-wide figures /metrics reports at scrape time, read from the database and the job queue.

Unlike the per-process instruments (observability/metrics.py) these are the same whichever node is scraped:
queue depth and the oldest waiting job, the webhook backlog, deliveries and payments of the last hour by
outcome, the worker's heartbeat age and the free disk under the data directory. Each query uses an index
(status/created_at) and each figure is a count or an age: nothing about a person.
"""

import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.jobs import huey
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import Payment, WebhookEvent
from kisaan_app.observability.tracing import CARRIER_KEY
from kisaan_app.services import health
from kisaan_app.settings import PROJECT_ROOT, get_settings

WINDOW = timedelta(hours=1)  # deliveries and payments are counted over the last hour
QUEUE_PEEK = 20  # the next jobs to run, read to find how long the oldest has waited


@dataclass
class Figures:
    queue_depth: int = 0
    scheduled_jobs: int = 0
    oldest_job_age_seconds: float = 0.0
    worker_heartbeat_age_seconds: float | None = None
    webhook_backlog: int = 0
    oldest_webhook_age_seconds: float = 0.0
    deliveries: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, status) → count
    payments: dict[str, int] = field(default_factory=dict)  # status → count
    disk_free_ratio: float | None = None
    failed: list[str] = field(default_factory=list)  # parts that could not be read ("queue", "database", "disk")


def _oldest_job_age(storage, now: float) -> float:
    oldest = 0.0
    for raw in storage.enqueued_items(QUEUE_PEEK):
        try:
            task = huey.deserialize_task(raw)
        except Exception:  # noqa: BLE001 - a task this version does not know still counts in the depth
            continue
        enqueued = ((task.kwargs or {}).get(CARRIER_KEY) or {}).get("enqueued_at")
        if enqueued:
            oldest = max(oldest, now - float(enqueued))
    return round(oldest, 1)


def _queue(figures: Figures) -> None:
    storage = health._probe_storage()
    figures.queue_depth = storage.queue_size()
    figures.scheduled_jobs = storage.schedule_size()
    figures.oldest_job_age_seconds = _oldest_job_age(storage, time.time())
    figures.worker_heartbeat_age_seconds = health.age_of(health.WORKER_HEARTBEAT)


def _database(figures: Figures) -> None:
    now = utcnow()
    since = now - WINDOW
    with session_scope() as session:
        unprocessed = col(WebhookEvent.processed_at).is_(None)
        figures.webhook_backlog = session.exec(select(func.count()).select_from(WebhookEvent).where(unprocessed)).one()
        oldest = session.exec(select(func.min(WebhookEvent.created_at)).where(unprocessed)).one()
        figures.oldest_webhook_age_seconds = round((now - oldest).total_seconds(), 1) if oldest else 0.0
        row = NotificationHistory
        by_outcome = select(row.channel, row.status, func.count()).where(col(row.created_at) >= since)
        figures.deliveries = {
            (channel, status): n for channel, status, n in session.exec(by_outcome.group_by(row.channel, row.status))
        }
        paid = select(Payment.status, func.count()).where(col(Payment.created_at) >= since).group_by(Payment.status)
        figures.payments = dict(session.exec(paid).all())


def _disk(figures: Figures) -> None:
    """Free space where the SQLite file, the queue and backups live (a PostgreSQL server has its own exporter)."""
    target = get_settings().huey_path.parent if get_settings().huey_path.parent.exists() else PROJECT_ROOT
    usage = shutil.disk_usage(target)
    figures.disk_free_ratio = round(usage.free / usage.total, 4) if usage.total else None


def collect() -> Figures:
    """Every figure; a part that fails (Redis down) leaves its defaults and the others still report."""
    figures = Figures()
    for part in (_queue, _database, _disk):
        try:
            part(figures)
        except Exception:  # noqa: BLE001 - a scrape must answer; the failure shows as kisaan_figures_up 0
            figures.failed.append(part.__name__.strip("_"))
    return figures
