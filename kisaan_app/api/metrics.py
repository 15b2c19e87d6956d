"""GET /metrics for Prometheus: this process's instruments (all local processes' in multiprocess mode) and the
system-wide figures of services/ops_figures.py.

Closed unless KISAAN_METRICS_TOKEN is set, and then only to `Authorization: Bearer <token>` (Prometheus:
`authorization: {credentials: ...}` in the scrape config). Without the token it answers 404, as if absent.
"""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client.core import GaugeMetricFamily

from kisaan_app.api.deps import bearer_matches
from kisaan_app.observability import metrics
from kisaan_app.services import ops_figures
from kisaan_app.settings import get_settings

router = APIRouter(tags=["operations"], include_in_schema=False)


class FiguresCollector:
    """Turns one reading of ops_figures into gauges (read once per scrape)."""

    def __init__(self, figures: ops_figures.Figures) -> None:
        self.figures = figures

    def collect(self):
        f = self.figures

        def gauge(name: str, doc: str, value, labels=None):
            family = GaugeMetricFamily(name, doc, labels=list(labels or []))
            if isinstance(value, dict):
                for key, n in sorted(value.items()):
                    family.add_metric(list(key) if isinstance(key, tuple) else [key], n)
            elif value is not None:
                family.add_metric([], value)
            return family

        up = gauge("kisaan_figures_up", "1 when every system-wide figure could be read", 0 if f.failed else 1)
        yield up
        yield gauge("kisaan_queue_depth", "Jobs waiting in the queue", f.queue_depth)
        yield gauge("kisaan_queue_scheduled", "Jobs scheduled for later (retries, delays)", f.scheduled_jobs)
        yield gauge(
            "kisaan_queue_oldest_job_age_seconds", "How long the next jobs have waited", f.oldest_job_age_seconds
        )
        yield gauge(
            "kisaan_worker_heartbeat_age_seconds",
            "Seconds since a job worker last beat",
            f.worker_heartbeat_age_seconds,
        )
        yield gauge("kisaan_webhook_backlog", "Provider webhooks stored but not yet processed", f.webhook_backlog)
        yield gauge(
            "kisaan_webhook_oldest_age_seconds", "Age of the oldest unprocessed webhook", f.oldest_webhook_age_seconds
        )
        yield gauge(
            "kisaan_deliveries_last_hour",
            "Messages created in the last hour, by channel and current status",
            f.deliveries,
            labels=["channel", "status"],
        )
        yield gauge("kisaan_payments_last_hour", "Payments started in the last hour, by status", f.payments, ["status"])
        yield gauge("kisaan_disk_free_ratio", "Free fraction of the disk holding the data directory", f.disk_free_ratio)


@router.get("/metrics")
async def scrape(request: Request) -> Response:
    if not bearer_matches(request, get_settings().metrics_token):
        return Response(status_code=404)
    figures = await run_in_threadpool(ops_figures.collect)
    body, content_type = metrics.exposition(FiguresCollector(figures))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
