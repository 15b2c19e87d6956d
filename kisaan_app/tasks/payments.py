"""Payment jobs: reconcile payments left pending (a lost webhook must not leave a paid order unpaid)."""

from datetime import timedelta

from huey import crontab

from kisaan_app.jobs import huey, job
from kisaan_app.settings import get_settings


@huey.periodic_task(crontab(minute="*/5"))
def reconcile_payments() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.health import record_reconciliation
    from kisaan_app.services.payments.reconcile import reconcile

    report = reconcile(session_scope, timedelta(minutes=get_settings().reconcile_after_minutes))
    if not report.errors:  # every pending payment was asked about: /api/health shows how long ago that was
        record_reconciliation()
    return len(report.settled)


@job("payments.refund_automatically")
@huey.task()
def refund_automatically(auto_refund_id: int) -> str:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payments.auto_refunds import process

    return process(session_scope, auto_refund_id)


@huey.periodic_task(crontab(minute="*"))
def sweep_automatic_refunds() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payments.auto_refunds import sweep

    return sweep(session_scope)


@job("payments.close_instruments")
@huey.task(retries=5, retry_delay=30)
def close_payment_instruments(payment_id: int) -> int:
    """A cancelled payment's link and QR codes are closed at Razorpay (outside any transaction)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.payments.instruments import close_instruments

    return close_instruments(session_scope, payment_id)
