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


@huey.periodic_task(crontab(minute="*/5"))
def send_market_reminders() -> int:
    """Offers about to lapse and unpaid orders about to be released: each reminded once (keys name the deadline)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services.market.reminders import remind_expiring_offers, remind_unpaid_orders

    with session_scope() as session:
        offers = remind_expiring_offers(session)
    with session_scope() as session:
        return offers + remind_unpaid_orders(session)
