"""Numbers and times the way Indian readers expect them: ₹2,45,000 and IST, month names in the reader's language
(Babel's CLDR data: "7 दिस॰" in Hindi, "7 Dec" in English).

Grouping is pinned to lakh/crore (#,##,##0) for every language: CLDR's own patterns for mr (and en) group in
thousands (₹1,234,567), which no Indian reader expects. Digits stay Latin, as on every rupee note and mandi board.
"""

import functools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

IST = ZoneInfo("Asia/Kolkata")
LAKH_GROUPING = "#,##,##0"


def group_indian(whole: int) -> str:
    """1234567 -> 12,34,567 (lakh/crore grouping)."""
    return format_decimal(whole, format=LAKH_GROUPING, locale="en_IN")


def number(value: int | float | Decimal, lang: str = "en", decimals: int = 2) -> str:
    """A quantity in the reader's language's symbols, lakh/crore grouped: 12,34,567.5 (trailing zeros dropped)."""
    pattern = LAKH_GROUPING + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def rupees(paise: int | None, lang: str = "en") -> str:
    """The one way money is shown: "₹2,350" when rupees suffice, "₹2,350.50" when there are paise
    (lakh grouping in every language, Babel). Never rounds: a paisa owed is a paisa shown."""
    if paise is None:
        return "—"
    pattern = f"¤{LAKH_GROUPING}.00" if paise % 100 else f"¤{LAKH_GROUPING}"
    return format_currency(Decimal(paise) / 100, "INR", format=pattern, locale=_locale(lang), currency_digits=False)


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
