"""Payout jobs: move a payout toward its target at Razorpay Route, check settlements, and sweep what a lost job
or a restart left behind (the sweep is what makes escrow release after the dispute window survive restarts:
the due time is a column, not a timer in memory)."""

from huey import crontab

from kisaan_app.jobs import huey, job


@job("payouts.sync")
@huey.task(retries=5, retry_delay=30)
def sync_payout(payout_id: int) -> str:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payouts.transfers import sync

    return sync(session_scope, payout_id)


@job("payouts.check_settlement")
@huey.task(retries=5, retry_delay=60)
def check_settlement(settlement_id: str, amount_paise: int) -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payouts.reconcile import check_settlement as check

    return len(check(session_scope, settlement_id, amount_paise).flagged)


@huey.periodic_task(crontab(minute="*"))
def sweep_payouts() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payouts.ledger import needing_sync

    with session_scope() as session:
        ids = needing_sync(session)
    for payout_id in ids:
        sync_payout(payout_id)
    return len(ids)


@huey.periodic_task(crontab(minute="17"))
def reconcile_payouts() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.payouts.reconcile import reconcile

    return len(reconcile(session_scope).flagged)
