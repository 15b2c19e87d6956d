"""Pull daily mandi prices from the data.gov.in Agmarknet API (resource 9ef84268-…): paged JSON records
with the same fields as the CSV export. New rows for today go out live; older ones are simply stored."""

import logging
from collections.abc import Iterator
from datetime import date

import httpx
from sqlmodel import Session

from kisaan_app.services.feeds.price_board import record_tick
from kisaan_app.services.feeds.prices import ImportReport, RowError, parse_row, upsert

log = logging.getLogger(__name__)
RESOURCE = "9ef84268-d588-465a-a308-a864a43d0070"
PAGE_SIZE = 500
MAX_PAGES = 40  # a runaway "total" cannot keep a job busy for ever


class AgmarknetError(Exception):
    """The API refused us (bad key, quota) or answered with something that is not its JSON."""


def fetch_records(
    api_key: str, base_url: str, states: list[str] | None = None, client: httpx.Client | None = None
) -> Iterator[dict]:
    own = client is None
    client = client or httpx.Client(timeout=30)
    try:
        for state in states or [None]:
            for page in range(MAX_PAGES):
                params = {"api-key": api_key, "format": "json", "limit": PAGE_SIZE, "offset": page * PAGE_SIZE}
                if state:
                    params["filters[state]"] = state
                res = client.get(f"{base_url.rstrip('/')}/resource/{RESOURCE}", params=params)
                if res.status_code != 200:
                    raise AgmarknetError(f"HTTP {res.status_code}: {res.text[:200]}")
                try:
                    records = res.json()["records"]
                except (ValueError, KeyError) as err:
                    raise AgmarknetError(f"unexpected answer: {res.text[:200]}") from err
                yield from records
                if len(records) < PAGE_SIZE:
                    break
    finally:
        if own:
            client.close()


def pull(session: Session, records: Iterator[dict], today: date | None = None) -> ImportReport:
    today = today or date.today()
    report = ImportReport()
    for number, record in enumerate(records, start=1):
        try:
            row = parse_row({k.lower(): str(v) for k, v in record.items()}, today)
        except ValueError as err:
            report.skipped.append(RowError(number, str(err)))
            continue
        with session.begin_nested():
            if row.arrival_date == today:
                record_tick(session, row, source="agmarknet")  # today's prices go to open dashboards
                report.inserted += 1
            else:
                _, created = upsert(session, row, source="agmarknet")
                report.inserted += created
                report.updated += not created
    return report
