"""SQL pieces every report shares: IST month and day buckets (SQLite and PostgreSQL spell them differently),
quantities in quintals, and the reporting period.

A bucket is computed in the database so a report is one GROUP BY, never a Python loop over rows.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from kisaan_app.i18n.formatting import IST
from kisaan_app.models.base import Quantity
from kisaan_app.services.errors import ValidationFailed

MAX_MONTHS = 36  # a report reads at most three years: enough for a seasonal comparison, bounded for the database
DEFAULT_MONTHS = 12
# Mandi prices are per quintal; an order's price is per its unit.
_PER_QUINTAL = {"kg": 0.01, "quintal": 1.0, "tonne": 10.0}


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def month_of(session: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a UTC timestamp column, in India's calendar (a sale at 01:00 IST on the 1st is that month)."""
    if _is_sqlite(session):
        return sa.func.strftime("%Y-%m", column, "+330 minutes")
    return sa.func.to_char(sa.func.timezone("Asia/Kolkata", column), "YYYY-MM")


def day_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The IST calendar day of a UTC timestamp column, comparable with a DATE column (mandi arrival dates)."""
    if _is_sqlite(session):
        return sa.func.date(column, "+330 minutes")
    return sa.cast(sa.func.timezone("Asia/Kolkata", column), sa.Date)


def month_of_date(session: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a DATE column (mandi arrival dates are already Indian days)."""
    if _is_sqlite(session):
        return sa.func.strftime("%Y-%m", column)
    # date_trunc groups faster than to_char per row; the outer to_char formats each group once.
    return sa.func.to_char(sa.func.date_trunc("month", column), "YYYY-MM")


def quintals(quantity: Any, unit: Any) -> ColumnElement[Any]:
    """An order's quantity in quintals, whatever unit it was sold in. The column stores thousandths of its unit
    (models.base.Quantity); the raw integer is scaled here so SUM() works on plain numbers in both databases."""
    factor = sa.case(*((unit == u, f / Quantity.SCALE) for u, f in _PER_QUINTAL.items()), else_=1.0 / Quantity.SCALE)
    return sa.type_coerce(quantity, sa.BigInteger) * sa.type_coerce(factor, sa.Float)


@dataclass(frozen=True)
class Period:
    """Whole IST months from `start` (the 1st) up to and including the month of `end`."""

    start: date
    end: date

    @classmethod
    def last_months(cls, months: int = DEFAULT_MONTHS, today: date | None = None) -> "Period":
        if not 1 <= months <= MAX_MONTHS:
            raise ValidationFailed("report_period", field="months", max=MAX_MONTHS)
        today = today or datetime.now(IST).date()
        year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
        return cls(date(year, month + 1, 1), today)

    @property
    def since(self) -> datetime:
        """The first instant of the period as aware UTC (for timestamp columns)."""
        return datetime.combine(self.start, time(), IST).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time(), IST).astimezone(UTC)

    def months(self) -> list[str]:
        """Every 'YYYY-MM' in the period, oldest first, so a chart shows empty months as zero."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def run(session: Session, statement: Any) -> Any:
    """Execute a report query. SQLModel types select() up to four columns; reports select more, so they build
    SQLAlchemy selects and read the result as plain rows."""
    return session.exec(statement)


def rate(part: int, whole: int) -> float | None:
    """part/whole as a percentage with one decimal; None when there is nothing to divide (no data is not 0 %)."""
    return round(100.0 * part / whole, 1) if whole else None
