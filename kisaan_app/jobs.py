"""The huey task queue: SQLite file by default, Redis when REDIS_URL is set. Run with `python -m kisaan_app worker`."""

import logging

from huey import RedisHuey, SqliteHuey, crontab

from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)


def _make_huey():
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey("kisaansay", url=settings.redis_url)
    settings.huey_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("kisaansay", filename=str(settings.huey_path))


huey = _make_huey()


@huey.periodic_task(crontab(minute="17"))
def purge_expired_sessions() -> int:
    """Login sessions past their expiry are deleted a day later (kept briefly for the audit trail)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.accounts import purge_expired_sessions as purge

    with session_scope() as session:
        removed = purge(session)
    log.info("purged %d expired login sessions", removed)
    return removed
