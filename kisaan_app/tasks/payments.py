"""Payment jobs: reconcile payments left pending (a lost webhook must not leave a paid order unpaid)."""

from datetime import timedelta

from huey import crontab

from kisaan_app.jobs import huey
from kisaan_app.settings import get_settings


@huey.periodic_task(crontab(minute="*/5"))
def reconcile_payments() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payments.reconcile import reconcile

    report = reconcile(session_scope, timedelta(minutes=get_settings().reconcile_after_minutes))
    return len(report.settled)
