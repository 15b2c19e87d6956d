"""What a custom report asks for, checked against a whitelist before any SQL is built.

A measure, up to two dimensions, filters and a period arrive as plain strings from a form or a JSON body. Each
is looked up by name in catalogue.py; a name that is not there is refused with its own clear error, so no
caller's text ever becomes part of a query (filter values are bound parameters, never SQL).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kisaan_app.i18n.formatting import IST
from kisaan_app.models.base import utcnow
from kisaan_app.services.accounts.validation import check_day
from kisaan_app.services.custom_reports import catalogue
from kisaan_app.services.errors import ErrorCode, ValidationFailed

MAX_DIMENSIONS = 2
MAX_FILTER_VALUES = 50  # per filter: a list longer than a page of choices is a mistake or an attack
MAX_VALUE_CHARS = 80
MAX_PERIOD_DAYS = 3 * 366
PERIODS = ("last_7_days", "last_30_days", "this_month", "last_month", "last_12_months", "custom")


def storable(text: str) -> bool:
    """Text a database can take and a person could type: no control characters (PostgreSQL refuses NUL) and
    no lone surrogates (they cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 or ord(c) == 127 for c in text)


@dataclass(frozen=True)
class ReportSpec:
    measure: str
    dimensions: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    period: str = "last_30_days"
    date_from: date | None = None  # for period == "custom"
    date_to: date | None = None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def period_days(period: str, date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The IST days, inclusive, a period covers on `today`."""
    if period == "last_7_days":
        return today - timedelta(days=6), today
    if period == "last_30_days":
        return today - timedelta(days=29), today
    if period == "this_month":
        return _month_start(today), today
    if period == "last_month":
        end = _month_start(today) - timedelta(days=1)
        return _month_start(end), end
    if period == "last_12_months":
        start = _month_start(today)
        return start.replace(year=start.year - 1), today
    if date_from is None or date_to is None:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_PERIOD, field="date_from")
    return date_from, date_to


def bounds(days: tuple[date, date]) -> tuple[datetime, datetime]:
    start, end = days
    return datetime.combine(start, time(), IST), datetime.combine(end + timedelta(days=1), time(), IST)


def today_ist() -> date:
    return utcnow().astimezone(IST).date()


def checked(
    measure: str,
    dimensions: list[str] | tuple[str, ...],
    filters: dict[str, list[str]] | dict[str, tuple[str, ...]] | None,
    period: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ReportSpec:
    """A spec whose every name is on the whitelist and whose every value is within bounds."""
    found = catalogue.MEASURES.get(str(measure))
    if found is None:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_MEASURE_UNKNOWN, field="measure")
    dims = tuple(str(d) for d in dimensions if str(d))
    if len(dims) > MAX_DIMENSIONS or len(set(dims)) != len(dims):
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_DIMENSIONS, field="dimensions", count=MAX_DIMENSIONS)
    for dim in dims:
        if dim not in catalogue.DIMENSIONS or found.base not in catalogue.DIMENSIONS[dim].bases:
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_DIMENSION_UNKNOWN, field="dimensions")
    clean: dict[str, tuple[str, ...]] = {}
    for name, values in (filters or {}).items():
        rule = catalogue.FILTERS.get(str(name))
        if rule is None or found.base not in rule.bases:
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_FILTER_UNKNOWN, field="filters")
        listed = [values] if isinstance(values, str) else list(values or [])
        if not all(storable(str(v)) for v in listed):
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_FILTER_UNKNOWN, field="filters")
        if len(listed) > MAX_FILTER_VALUES or any(len(str(v)) > MAX_VALUE_CHARS for v in listed):
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_FILTERS_TOO_MANY, field="filters", count=MAX_FILTER_VALUES)
        kept = tuple(dict.fromkeys(rule.clean(str(v)) for v in listed if str(v).strip()))
        if kept:
            clean[str(name)] = kept
    if period not in PERIODS:
        raise ValidationFailed(ErrorCode.CUSTOM_REPORT_PERIOD, field="period")
    if period == "custom":
        check_day(date_from, "date_from")
        check_day(date_to, "date_to")
        if date_from is None or date_to is None or date_from > date_to:
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_PERIOD, field="date_from")
        if (date_to - date_from).days > MAX_PERIOD_DAYS:
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_PERIOD, field="date_from")
    else:
        date_from = date_to = None
    return ReportSpec(found.key, dims, clean, period, date_from, date_to)
