"""Numbers and times the way Indian readers expect them: ₹2,45,000 and IST, month names in the reader's language
(Babel's CLDR data: "7 दिस॰" in Hindi, "7 Dec" in English)."""

import functools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

IST = ZoneInfo("Asia/Kolkata")


def group_indian(whole: int) -> str:
    """1234567 -> 12,34,567 (lakh/crore grouping)."""
    return format_decimal(whole, format="#,##,##0", locale="en_IN")


def rupees(paise: int | None) -> str:
    """The one way money is shown: "₹2,350" when rupees suffice, "₹2,350.50" when there are paise
    (Indian grouping, Babel). Never rounds: a paisa owed is a paisa shown."""
    if paise is None:
        return "—"
    pattern = "¤#,##,##0.00" if paise % 100 else "¤#,##,##0"
    return format_currency(Decimal(paise) / 100, "INR", format=pattern, locale="en_IN", currency_digits=False)


def ist(moment: datetime | None, fmt: str = "%d %b, %H:%M") -> str:
    return moment.astimezone(IST).strftime(fmt) if moment else ""


def local_time(moment: datetime | None, lang: str, pattern: str = "d MMM, HH:mm") -> str:
    """A moment in IST, month names in the reader's language (CLDR pattern)."""
    return format_datetime(moment.astimezone(IST), pattern, locale=_locale(lang)) if moment else ""


def local_day(day: date | None, lang: str, pattern: str = "d MMM") -> str:
    return format_date(day, pattern, locale=_locale(lang)) if day else ""


@functools.lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def foreign_money(amount: str | float, currency: str, lang: str) -> str:
    """A provider's balance ("12.3456", "USD") as people read money: "$12.35"; the text as given if not a number."""
    try:
        value = parse_decimal(str(amount), locale="en")
        return format_currency(value, currency or "USD", locale=_locale(lang))
    except (NumberFormatError, ValueError, UnknownLocaleError):
        return f"{amount} {currency}".strip()
