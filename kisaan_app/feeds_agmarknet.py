"""Pull daily mandi prices from the data.gov.in Agmarknet API (resource 9ef84268-…): paged JSON records
with the same fields as the CSV export. New rows for today go out live; older ones are simply stored."""

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date

import httpx
from sqlmodel import Session

from kisaan_app.services.price_board import record_tick
from kisaan_app.services.prices import ImportReport, RowError, parse_row, upsert

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
    """Store `records` in the caller's transaction (a CSV-sized list already in hand)."""
    report = ImportReport()
    _store(session, enumerate(records, start=1), today or date.today(), report)
    return report


def pull_in_batches(
    session_scope: Callable[[], AbstractContextManager[Session]],
    records: Iterator[dict],
    today: date | None = None,
    batch_size: int = PAGE_SIZE,
) -> ImportReport:
    """Fetch, then write: a batch of records is read from the API with no transaction open, then stored in a
    short transaction of its own, so a slow data.gov.in never holds the database's write lock."""
    today = today or date.today()
    report = ImportReport()
    batch: list[tuple[int, dict]] = []
    for numbered in enumerate(records, start=1):
        batch.append(numbered)
        if len(batch) >= batch_size:
            with session_scope() as session:
                _store(session, batch, today, report)
            batch = []
    if batch:
        with session_scope() as session:
            _store(session, batch, today, report)
    return report


def _store(session: Session, numbered: Iterable[tuple[int, dict]], today: date, report: ImportReport) -> None:
    for number, record in numbered:
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
