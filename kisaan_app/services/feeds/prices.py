"""Mandi prices: Agmarknet CSV import (every row validated, bad rows reported by line), dashboard queries,
and live ticks. Prices are stored in paise per quintal; Agmarknet publishes rupees per quintal.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col, select

from kisaan_app.models.feeds import MandiPrice
from kisaan_app.services.errors import ValidationFailed

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "data" / "agmarknet_sample.csv"
# Agmarknet's exports spell spaces as _x0020_; people's spreadsheets do not. Both map to one name.
COLUMNS = {
    "state": "state",
    "district": "district",
    "market": "market",
    "commodity": "commodity",
    "variety": "variety",
    "grade": "grade",
    "arrival_date": "arrival_date",
    "min_price": "min_price",
    "max_price": "max_price",
    "modal_price": "modal_price",
}
REQUIRED = ("state", "district", "market", "commodity", "arrival_date", "min_price", "max_price", "modal_price")
# Prices are INTEGER paise: PostgreSQL's int4 ends at Rs 2.1 crore. No mandi commodity comes near Rs 1 crore
# per quintal, so anything above is a typo (an extra zero, a phone number) rather than a price.
MAX_RUPEES = Decimal(10_000_000)


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    skipped: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.inserted + self.updated + len(self.skipped)


@dataclass(frozen=True)
class PriceRecord:
    state: str
    district: str
    market: str
    commodity: str
    variety: str
    grade: str
    arrival_date: date
    min_price_paise: int
    max_price_paise: int
    modal_price_paise: int


def _column_key(header: str) -> str:
    # A BOM survives when a caller opened an Excel-saved file without utf-8-sig; it must not hide "State".
    return header.replace("\ufeff", "").strip().lower().replace("_x0020_", "_").replace(" ", "_")


def _paise(text: str, name: str) -> int:
    try:
        rupees = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{name} is not a number: {text!r}") from None
    # Decimal accepts "NaN" and "Infinity" (spreadsheets and pandas write them); they are not prices.
    if not rupees.is_finite():
        raise ValueError(f"{name} is not a number: {text!r}")
    if rupees < 0:
        raise ValueError(f"{name} is negative")
    if rupees > MAX_RUPEES:
        raise ValueError(f"{name} is too large: {text!r}")
    return int((rupees * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _date(text: str) -> date:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"arrival_date {text!r} is not dd/mm/yyyy")


def parse_row(row: dict[str, str], today: date | None = None) -> PriceRecord:
    """One validated record, or ValueError saying what is wrong (in words an operator can fix)."""
    missing = [name for name in REQUIRED if not (row.get(name) or "").strip()]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    record = PriceRecord(
        state=row["state"].strip()[:80],
        district=row["district"].strip()[:80],
        market=row["market"].strip()[:120],
        commodity=row["commodity"].strip()[:80],
        variety=(row.get("variety") or "").strip()[:80] or "Other",
        grade=(row.get("grade") or "").strip()[:30] or "FAQ",
        arrival_date=_date(row["arrival_date"]),
        min_price_paise=_paise(row["min_price"], "min_price"),
        max_price_paise=_paise(row["max_price"], "max_price"),
        modal_price_paise=_paise(row["modal_price"], "modal_price"),
    )
    if not record.min_price_paise <= record.modal_price_paise <= record.max_price_paise:
        raise ValueError("prices must satisfy min ≤ modal ≤ max")
    # One day of grace: a server on UTC is still on yesterday for the first 5½ hours of an Indian day.
    if record.arrival_date > (today or date.today()) + timedelta(days=1):
        raise ValueError("arrival_date is in the future")
    return record


def _find(session: Session, record: PriceRecord) -> MandiPrice | None:
    return session.exec(
        select(MandiPrice).where(
            MandiPrice.state == record.state,
            MandiPrice.district == record.district,
            MandiPrice.market == record.market,
            MandiPrice.commodity == record.commodity,
            MandiPrice.variety == record.variety,
            MandiPrice.grade == record.grade,
            MandiPrice.arrival_date == record.arrival_date,
        )
    ).first()


def upsert(session: Session, record: PriceRecord, source: str = "import") -> tuple[MandiPrice, bool]:
    """Insert or update the row for (state, district, market, commodity, variety, grade, date); True if new.

    Select-then-write works the same on SQLite and PostgreSQL. Two writers racing on one new key make the
    second INSERT fail on the unique constraint; callers that run it in a SAVEPOINT retry once as an update.
    """
    existing = _find(session, record)
    row = existing or MandiPrice(**record.__dict__, source=source)
    if existing:
        row.min_price_paise = record.min_price_paise
        row.max_price_paise = record.max_price_paise
        row.modal_price_paise = record.modal_price_paise
        row.source = source
    session.add(row)
    session.flush()  # inside the caller's SAVEPOINT, so a rejected row fails there and not at commit
    return row, existing is None


def _write_row(session: Session, record: PriceRecord, source: str) -> bool:
    """Upsert one row in its own SAVEPOINT (all of it or none of it); True if it was new."""
    try:
        with session.begin_nested():
            return upsert(session, record, source)[1]
    except IntegrityError:
        # Another import inserted the same key since our SELECT: the row exists now, so this is an update.
        with session.begin_nested():
            return upsert(session, record, source)[1]


def import_csv(
    session: Session, lines: Iterable[str], source: str = "import", shift_days: int = 0, today: date | None = None
) -> ImportReport:
    """Validate and upsert every row; a bad row is reported with its line number (header = 1) and skipped.

    Each good row is written in a SAVEPOINT, so a row the database rejects cannot leave half a change.
    `lines` is any iterable of CSV text lines: an open file (newline=""), a StringIO, a list of strings.
    `shift_days` moves every date (the bundled sample); `today` is the day "in the future" is judged against.
    """
    reader = csv.reader(lines)
    try:
        header = [_column_key(h) for h in next(reader)]
    except StopIteration:
        raise ValidationFailed("csv_empty", field="file") from None
    names = [COLUMNS.get(h) for h in header]
    absent = [name for name in REQUIRED if name not in names]
    if absent:
        raise ValidationFailed("csv_missing_columns", field="file", columns=", ".join(absent))
    report = ImportReport()
    written: list[PriceRecord] = []
    # "Not in the future" is judged on the date as stored, i.e. after the shift.
    unshifted_today = (today or date.today()) - timedelta(days=shift_days)
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = {name: value for name, value in zip(names, values, strict=False) if name}
        try:
            record = parse_row(row, unshifted_today)
        except ValueError as err:
            report.skipped.append(RowError(line, str(err)))
            continue
        if shift_days:
            record = PriceRecord(**{**record.__dict__, "arrival_date": record.arrival_date + timedelta(shift_days)})
        try:
            created = _write_row(session, record, source)
        except (IntegrityError, DataError) as err:
            # The database refused this row's values: report it, keep the file going. Anything else (a lost
            # connection, a locked file) is not about the row and aborts the import: its transaction rolls back.
            reason = type(getattr(err, "orig", None) or err).__name__
            report.skipped.append(RowError(line, f"rejected by the database: {reason}"))
            continue
        if created:
            report.inserted += 1
        else:
            report.updated += 1
        written.append(record)
    from kisaan_app.services.feeds.price_alerts import evaluate  # it reads this module's helpers

    evaluate(session, written)  # farmers' price alerts: fresh prices only, once per rule per day
    return report


def import_csv_file(session: Session, path: Path | str, source: str = "import") -> ImportReport:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return import_csv(session, handle, source)


def import_sample(session: Session, today: date | None = None) -> ImportReport:
    """The bundled 60-day sample, shifted so its newest day is today: a fresh install has live-looking history."""
    text = SAMPLE_CSV.read_text(encoding="utf-8")
    newest = max(_date(row["Arrival_Date"]) for row in csv.DictReader(io.StringIO(text)))
    today = today or date.today()
    return import_csv(session, io.StringIO(text), source="demo", shift_days=(today - newest).days, today=today)


def commodities(session: Session) -> list[str]:
    """Every commodity with prices on record, alphabetically: the choices for a crop picker or an API client."""
    return list(session.exec(select(MandiPrice.commodity).distinct().order_by(col(MandiPrice.commodity))).all())


def direction(change: int | None) -> str | None:
    """How the board marks a change: up, down, same, or None when there is no earlier day to compare."""
    if change is None:
        return None
    return "up" if change > 0 else "down" if change < 0 else "same"


def previous_modal_paise(session: Session, market: str, commodity: str, variety: str, before: date) -> int | None:
    """The modal price of a market series on its nearest trading day before `before` (None if it has none)."""
    return session.exec(
        select(MandiPrice.modal_price_paise)
        .where(
            MandiPrice.market == market,
            MandiPrice.commodity == commodity,
            MandiPrice.variety == variety,
            col(MandiPrice.arrival_date) < before,
        )
        .order_by(col(MandiPrice.arrival_date).desc())
        .limit(1)
    ).first()
