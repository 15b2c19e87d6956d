"""Price feed jobs: Agmarknet every 6 hours when a data.gov.in key is set; otherwise demo ticks.

Jobs stay short: huey's finest period is a minute, so the minute job only *schedules* a few one-off ticks
spread through that minute instead of sleeping in a worker.
"""

import logging
import random

from huey import crontab

from kisaan_app.jobs import huey
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
_rng = random.Random()
TICK_DELAYS = (0, 15, 30, 45)  # seconds into the minute


def agmarknet_key() -> str | None:
    return getattr(get_settings(), "agmarknet_api_key", None) or None


def demo_ticks_wanted() -> bool:
    """Demo ticks only when nothing real feeds the prices (and the operator has not switched them off)."""
    return bool(getattr(get_settings(), "demo_price_ticks", True)) and not agmarknet_key()


@huey.task()
def demo_price_tick() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.feeds.demo_ticker import tick

    with session_scope() as session:
        return tick(session, _rng)


@huey.periodic_task(crontab(minute="*"))
def schedule_demo_ticks() -> int:
    if not demo_ticks_wanted():
        return 0
    for delay in TICK_DELAYS:
        demo_price_tick.schedule(delay=delay)
    return len(TICK_DELAYS)


@huey.periodic_task(crontab(minute="5", hour="*/6"), retries=2, retry_delay=600)
def pull_agmarknet() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.feeds_agmarknet import fetch_records, pull_in_batches

    api_key = agmarknet_key()
    if not api_key:
        return 0
    settings = get_settings()
    states = [s.strip() for s in settings.agmarknet_states.split(",") if s.strip()]
    report = pull_in_batches(session_scope, fetch_records(api_key, settings.agmarknet_base_url, states))
    log.info("agmarknet: %d new, %d updated, %d skipped", report.inserted, report.updated, len(report.skipped))
    return report.inserted + report.updated
