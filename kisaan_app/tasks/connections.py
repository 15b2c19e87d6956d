"""Connections whose process stopped heartbeating are marked stale, then removed."""

import logging

from huey import crontab

from kisaan_app.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def sweep_connections() -> tuple[int, int]:
    from kisaan_app.db import session_scope
    from kisaan_app.services.connections import sweep

    with session_scope() as session:
        marked, removed = sweep(session)
    if marked or removed:
        log.info("connections: %d marked stale, %d removed", marked, removed)
    return marked, removed
