"""Housekeeping for login sessions."""

import logging

from huey import crontab

from kisaan_app.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="17"))
def purge_expired_sessions() -> int:
    """Login sessions past their expiry are deleted a day later (kept briefly for the audit trail)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.accounts import purge_expired_sessions as purge

    with session_scope() as session:
        removed = purge(session)
    log.info("purged %d expired login sessions", removed)
    return removed
