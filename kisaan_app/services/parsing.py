"""What a person types into a form, read one way everywhere: rupees → paise, quantities, date boxes, IST days.

Pages and routes both use these, so '1,25,000.50' means the same on every screen and a bad value always gets
the same clear field error (never a silent guess or a blank filter).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from kisaan_app.i18n.formatting import IST
from kisaan_app.services.accounts.validation import check_day
from kisaan_app.services.errors import NotFound, ValidationFailed

# ₹100 crore: far above any farm sale or refund, far below what a 64-bit paise column holds.
MAX_PAISE = 100_00_00_000 * 100
# Plain digits, Indian grouping (1,25,000) or international grouping (125,000); at most two decimals.
_AMOUNT = re.compile(r"^(?:\d+|\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?$")
_NUMBER = re.compile(r"^(?:\d+|\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def paise(
    text: object, field: str, *, code: str = "amount_invalid", positive: bool = True, required: bool = True
) -> int | None:
    """'1,25,000.50' rupees → 12500050 paise. Blank → None when not required; anything odd → a field error.

    Refused: a sign, letters, 'NaN'/'Infinity', more than two decimals, zero when `positive`, over MAX_PAISE.
    """
    raw = str(text if text is not None else "").strip().removeprefix("₹").strip()
    if not raw:
        if required:
            raise ValidationFailed(code, field=field)
        return None
    if len(raw) > 24 or not _AMOUNT.match(raw):
        raise ValidationFailed(code, field=field)
    value = int(Decimal(raw.replace(",", "")) * 100)
    if positive and value <= 0:
        raise ValidationFailed(code, field=field)
    if value > MAX_PAISE:
        raise ValidationFailed("amount_too_large", field=field, max=MAX_PAISE // 100)
    return value


def quantity(text: object, field: str, *, required: bool = True) -> float | None:
    """'1,200.5' → 1200.5; the market service checks the range and precision of what it gets."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        if required:
            raise ValidationFailed("quantity_invalid", field=field, max="")
        return None
    if len(raw) > 24 or not _NUMBER.match(raw):
        raise ValidationFailed("quantity_invalid", field=field, max="")
    try:
        return float(Decimal(raw.replace(",", "")))
    except InvalidOperation:  # the pattern makes this unreachable; kept so no input can raise anything else
        raise ValidationFailed("quantity_invalid", field=field, max="") from None


def day(text: object, field: str) -> date | None:
    """A date box: '2026-03-31' (what a date input sends), '31/03/2026' or '31-03-2026'. Blank → None."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        return None
    if len(raw) <= 10:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
            return check_day(parsed, field)  # 0001-01-01 or 9999-12-31 would overflow once moved to UTC
    raise ValidationFailed("date_invalid", field=field)


def ist_start(d: date) -> datetime:
    """Midnight starting day `d` in India, as a UTC datetime."""
    return datetime.combine(d, time.min, tzinfo=IST).astimezone(UTC)


def ist_end(d: date) -> datetime:
    """The last moment of day `d` in India (for an inclusive 'until' stored on a row), as UTC."""
    return ist_start(d + timedelta(days=1)) - timedelta(microseconds=1)


def ist_range(
    since: object, until: object, *, since_field: str = "since", until_field: str = "until"
) -> tuple[datetime | None, datetime | None]:
    """Two date boxes → [start of the first IST day, start of the day after the last) in UTC, either side open.

    India's day, not UTC's: an entry at 02:00 IST on the 5th belongs to the 5th (UTC says the 4th).
    """
    first, last = day(since, since_field), day(until, until_field)
    if first and last and first > last:
        raise ValidationFailed("date_range", field=until_field)
    return (ist_start(first) if first else None, ist_start(last + timedelta(days=1)) if last else None)


def ident(text: object, code: str = "not_found") -> int:
    """A record id a page sends back ('42'): anything that is not one is a record we do not have."""
    raw = str(text if text is not None else "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) == 0:
        raise NotFound(code)
    return int(raw)
