"""Price feed jobs: the demo ticker (default local run) keeps the dashboards moving."""

import logging
import random

from huey import crontab

from kisaan_app.jobs import huey
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
_rng = random.Random()


@huey.task()
def demo_price_tick() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.feeds_demo import tick

    with session_scope() as session:
        return tick(session, _rng)


@huey.periodic_task(crontab(minute="*"))
def schedule_demo_ticks() -> None:
    """Huey's finest period is a minute: schedule four ticks inside it, 15 s apart."""
    if not get_settings().demo_price_ticks:
        return
    for delay in (0, 15, 30, 45):
        demo_price_tick.schedule(delay=delay)
