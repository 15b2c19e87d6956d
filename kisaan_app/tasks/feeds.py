"""Price feed jobs: Agmarknet every 6 hours when a data.gov.in key is set; otherwise demo ticks."""

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
    settings = get_settings()
    if not settings.demo_price_ticks or settings.agmarknet_api_key:
        return
    for delay in (0, 15, 30, 45):
        demo_price_tick.schedule(delay=delay)


@huey.periodic_task(crontab(minute="5", hour="*/6"), retries=2, retry_delay=600)
def pull_agmarknet() -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.feeds_agmarknet import fetch_records, pull

    settings = get_settings()
    if not settings.agmarknet_api_key:
        return 0
    states = [s.strip() for s in settings.agmarknet_states.split(",") if s.strip()]
    with session_scope() as session:
        records = fetch_records(settings.agmarknet_api_key, settings.agmarknet_base_url, states)
        report = pull(session, records)
    log.info("agmarknet: %d new, %d updated, %d skipped", report.inserted, report.updated, len(report.skipped))
    return report.inserted + report.updated
