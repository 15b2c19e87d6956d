"""Housekeeping for login sessions, password-reset codes and the stored answers to replayed writes."""

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


@huey.periodic_task(crontab(minute="*/5"))
def clean_up_reset_codes() -> tuple[int, int]:
    """Reset-code SMS texts are blanked once the code is spent or expired; old code rows are deleted."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.reset_cleanup import clean_up

    with session_scope() as session:
        redacted, purged = clean_up(session)
    log.info("reset codes: %d SMS texts blanked, %d expired codes deleted", redacted, purged)
    return redacted, purged


@huey.periodic_task(crontab(minute="41", hour="3"))
def forget_old_replay_answers() -> int:
    """Answers kept for Idempotency-Key replays are deleted after 30 days (services/idempotency.py)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.idempotency import forget_old

    with session_scope() as session:
        removed = forget_old(session)
    log.info("forgot %d old replay answers", removed)
    return removed
