"""Member imports: the job that works through an import, and the sweep that restarts one whose worker died."""

from huey import crontab

from kisaan_app.jobs import huey, job


@job("onboarding.run_import")
@huey.task(retries=5, retry_delay=30)
def run_import(import_id: int) -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.onboarding.runner import run_import as run

    return run(session_scope, import_id)


@huey.periodic_task(crontab(minute="*"))
def resume_stalled_imports() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.onboarding.runner import stalled

    with session_scope() as session:
        ids = stalled(session)
    for import_id in ids:
        run_import(import_id)
    return len(ids)
