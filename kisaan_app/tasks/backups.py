"""The nightly backup: one more copy of the database in KISAAN_BACKUP_DIR, the newest KISAAN_BACKUP_KEEP kept."""

import logging

from huey import crontab

from kisaan_app.jobs import huey
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="30", hour=str(get_settings().backup_hour_utc)), retries=2, retry_delay=600)
def nightly_backup() -> str | None:
    from kisaan_app.services import backups

    settings = get_settings()
    if settings.backup_keep == 0:  # the operator backs up some other way
        return None
    path = backups.backup(settings.database_url, settings.backup_dir)
    removed = backups.prune(settings.backup_dir, settings.backup_keep)
    log.info("nightly backup %s written; %d older removed", path.name, len(removed))
    return str(path)
