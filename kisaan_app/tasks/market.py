"""Marketplace jobs: unpaid orders past their hold give their quantity back; expired listings close."""

from huey import crontab

from kisaan_app.jobs import huey


@huey.periodic_task(crontab(minute="*"))
def release_expired_order_holds() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.market.orders import release_expired_holds

    with session_scope() as session:
        return len(release_expired_holds(session))


@huey.periodic_task(crontab(minute="*"))
def expire_listings() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.services.market.listings import expire_listings as expire

    with session_scope() as session:
        return expire(session)
