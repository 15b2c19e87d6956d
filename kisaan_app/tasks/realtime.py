"""Stored live events are kept until they expire (for catch-up and SSE replay), then removed."""

import logging

from huey import crontab

from kisaan_app.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/10"))
def purge_expired_events() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.realtime.store import purge_expired

    with session_scope() as session:
        removed = purge_expired(session)
    log.info("purged %d expired live events", removed)
    return removed
