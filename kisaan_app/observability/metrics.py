"""The Prometheus instruments a process updates as it works, and the text a scrape reads.

Counters and histograms live in the process that sees the work: request latency (api/edge), Reflex event
latency (state/guard.py), state-lock waits (realtime/state_lock_wait.py), fan-out lag and live connections
(realtime/hub.py), job runs and waits (jobs.py), database errors (db.py). Several processes on one machine
(granian's workers, the job worker) share them through prometheus_client's multiprocess mode: set
PROMETHEUS_MULTIPROC_DIR to one empty directory for all of them before they start, and any process's /metrics
then reports the sum. Figures that belong to the whole system rather than to one process (queue depth,
backlogs, outcomes) are read from the database and the queue at scrape time (services/ops_figures.py), so they
are right whichever node is scraped.
"""

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate
from prometheus_client.multiprocess import MultiProcessCollector

# Buckets in seconds: a 2G phone's request is slow, so the top ones are wide.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUEST_SECONDS = Histogram(
    "kisaan_http_request_duration_seconds",
    "HTTP requests by method, route template and status class",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
EVENT_SECONDS = Histogram(
    "kisaan_reflex_event_duration_seconds",
    "Reflex event handlers (guarded ones), by handler and outcome",
    ["handler", "outcome"],
    buckets=LATENCY_BUCKETS,
)
STATE_LOCK_WAIT_SECONDS = Histogram(
    "kisaan_reflex_state_lock_wait_seconds",
    "From asking for a client's Reflex state to holding it: its lock, then loading it (realtime/state_lock_wait.py)",
    buckets=LATENCY_BUCKETS,
)
FANOUT_LAG_SECONDS = Histogram(
    "kisaan_fanout_lag_seconds",
    "From an event's commit to its delivery to one client's state",
    ["topic"],
    buckets=LATENCY_BUCKETS,
)
FANOUT_FAILURES = Counter("kisaan_fanout_failures_total", "Live events that could not be applied to a client")
LIVE_CONNECTIONS = Gauge(
    "kisaan_live_connections",
    "Reflex clients this process holds (summed over live processes)",
    multiprocess_mode="livesum",
)
JOB_RUNS = Counter("kisaan_job_runs_total", "Jobs run by the worker, by job and outcome", ["job", "outcome"])
JOB_WAIT_SECONDS = Histogram(
    "kisaan_job_wait_seconds",
    "From enqueue to start, per job",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
DB_ERRORS = Counter("kisaan_db_errors_total", "Database errors raised to the app, by kind", ["kind"])
SMS_COMMANDS = Counter(
    "kisaan_sms_commands_total",
    "SMS commands received (inbound webhook), by command and outcome (replied, rate_limited, duplicate)",
    ["command", "outcome"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(*extra_collectors) -> tuple[bytes, str]:
    """The scrape body: this process's (or, in multiprocess mode, every process's) instruments, then the
    `extra_collectors`' figures."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = _generate(registry)
    else:
        body = _generate(REGISTRY)
    if extra_collectors:
        extra = CollectorRegistry(auto_describe=False)
        for collector in extra_collectors:
            extra.register(collector)
        body += _generate(extra)
    return body, CONTENT_TYPE_LATEST


def status_class(code: int) -> str:
    return f"{code // 100}xx"
