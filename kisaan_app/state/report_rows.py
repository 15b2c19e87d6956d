"""How report figures read on a page: months and crops in the reader's language, rupees for charts (numbers) and
tables (text). Shared by My farm, the admin reports and market analytics."""

from datetime import date

from kisaan_app.i18n.formatting import local_day, rupees
from kisaan_app.services import glossary


def month_label(month: str, lang: str) -> str:
    """'2026-03' → 'Mar 26' / 'मार्च 26'."""
    return local_day(date(int(month[:4]), int(month[5:7]), 1), lang, "MMM yy")


def crop_label(crop: str, lang: str) -> str:
    return glossary.label("crop", glossary.canonical("crop", crop), lang)


def chart_rupees(paise: int | None) -> float | None:
    """A chart plots numbers: whole rupees (None leaves a gap in a line, not a zero)."""
    return None if paise is None else round(paise / 100, 2)


def money(paise: int | None) -> str:
    return rupees(paise)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:g} %"
