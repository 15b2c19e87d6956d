"""Crop-health cases nobody acknowledged in time are escalated (the claim is a column: restarts lose nothing)."""

from huey import crontab

from kisaan_app.jobs import huey


@huey.periodic_task(crontab(minute="*/5"))
def escalate_crop_cases() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.crop_cases import escalate_overdue

    with session_scope() as session:
        return len(escalate_overdue(session))
