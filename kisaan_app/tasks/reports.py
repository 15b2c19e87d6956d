"""Scheduled custom reports: an hourly look for finished periods not yet emailed (services/custom_reports)."""

from huey import crontab

from kisaan_app.jobs import huey, job


@job("reports.send_due")
@huey.periodic_task(crontab(minute="7"))
def send_due_reports() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.custom_reports.schedule import send_due

    return send_due(session_scope)
