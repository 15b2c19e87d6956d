"""The worker's heartbeat, read by /api/health: written when the consumer starts and every minute after.

A periodic task (rather than a thread) on purpose: it is written only while the scheduler enqueues and a
worker thread takes jobs off the queue, which is what "the worker is alive" has to mean.
"""

import logging

from huey import crontab

from kisaan_app.jobs import huey

log = logging.getLogger(__name__)


@huey.on_startup()
def heartbeat_on_start() -> None:
    try:
        beat.call_local()
    except Exception:  # a store that is briefly locked must not stop the worker from starting
        log.exception("could not write the worker heartbeat at startup")


@huey.periodic_task(crontab(minute="*"))
def beat() -> None:
    from kisaan_app.services.health import record_worker_heartbeat

    record_worker_heartbeat()
