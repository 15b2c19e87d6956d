"""The farmer dashboard's rows: typed, frozen, built the same way by a load and by a live event.

Frozen matters twice: Reflex sees a change only when a var is assigned a new list, and one formatted price tick
can be shared by every connected farmer's state without a copy.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime

from kisaan_app.i18n.formatting import local_day, local_time, rupees
from kisaan_app.services import glossary, inbox

SEVERITY_RANK = {"red": 0, "orange": 1, "yellow": 2, "green": 3}


@dataclass(frozen=True)
class PriceRow:
    key: str  # commodity|market|variety: one series, how a tick finds its row
    commodity: str  # the glossary key (Agmarknet's name): sorting and live matching use it
    crop: str  # the same crop in the reader's language: what the screen shows
    variety: str
    market: str
    district: str  # the glossary key: the farmer's own district sorts first by it
    district_name: str  # the same district in the reader's language and script
    modal: str
    price_range: str  # low – high
    change: str
    direction: str  # up | down | same | ""
    date: str
    flash: bool = False  # just arrived live


@dataclass(frozen=True)
class OnboardingLink:
    key: str  # the step (services/accounts/onboarding.py); its label is `getting_started.step.<key>`
    href: str


@dataclass(frozen=True)
class TrendPoint:
    date: str
    modal: int  # rupees


@dataclass(frozen=True)
class AlertRow:
    id: int
    severity: str
    title: str
    message: str
    until: str
    fresh: bool = False  # just arrived live


@dataclass(frozen=True)
class ReportRow:
    id: int
    crop: str
    issue: str  # translated issue type
    severity: str
    note: str
    when: str
    source: str
    status: str = "open"  # the case's step (services/crop_cases.py)
    advice: str = ""


@dataclass(frozen=True)
class InboxRow:
    id: int
    title: str
    body: str
    when: str
    read: bool
    critical: bool


def _arrow(direction: str | None) -> str:
    return {"up": "▲", "down": "▼", "same": "■"}.get(direction or "", "")


def price_row(
    commodity, variety, market, district, modal, low, high, change, direction, day, *, lang: str, flash: bool = False
) -> PriceRow:
    return PriceRow(
        key=f"{commodity}|{market}|{variety}",
        commodity=commodity,
        crop=glossary.label("crop", commodity, lang),
        variety=variety or "",
        market=market,
        district=district,
        district_name=glossary.label("district", district, lang) if district else district,
        modal=rupees(modal),
        price_range=f"{rupees(low)} – {rupees(high)}",
        change=(_arrow(direction) + " " + rupees(abs(change))) if change else _arrow(direction),
        direction=direction or "",
        date=day,
        flash=flash,
    )


def board_row(r, lang: str) -> PriceRow:
    """A row of services/feeds/price_board.latest_prices on screen, its day in the reader's language."""
    return price_row(
        r.commodity,
        r.variety,
        r.market,
        r.district,
        r.modal_price_paise,
        r.min_price_paise,
        r.max_price_paise,
        r.change_paise,
        r.direction,
        local_day(r.arrival_date, lang),
        lang=lang,
    )


@functools.lru_cache(maxsize=256)
def _formatted_tick(items: tuple, lang: str) -> PriceRow:
    p = dict(items)
    return price_row(
        p["commodity"],
        p.get("variety"),
        p["market"],
        p.get("district", ""),
        p.get("modal_paise"),
        p.get("min_paise"),
        p.get("max_paise"),
        p.get("change_paise"),
        p.get("direction"),
        _short_date(p.get("arrival_date"), lang),
        lang=lang,
        flash=True,
    )


def live_price_row(payload: dict, lang: str = "en") -> PriceRow:
    """The screen row for a price tick. A tick reaches every connected farmer of that crop, so it is formatted
    once per process and language (cached by its values); the row is frozen, so every client shares it."""
    items = tuple(sorted((k, v) for k, v in payload.items() if not isinstance(v, (dict, list))))
    return _formatted_tick(items, lang)


def _short_date(iso: str | None, lang: str) -> str:
    return local_day(date.fromisoformat(iso[:10]), lang) if iso else ""


def price_order(row: PriceRow, district: str, crops: list[str]) -> tuple:
    """price_board.latest_prices' order: the farmer's district first, then their crops' order, market, variety."""
    crop = row.commodity.lower()
    far = row.district.lower() != district.lower()
    return far, crops.index(crop) if crop in crops else 99, row.market, row.variety


def alert_order(alert: AlertRow) -> tuple:
    """Worst first; among equals the one that just arrived."""
    return SEVERITY_RANK.get(alert.severity, 9), not alert.fresh


def live_alert_until(valid_until: str | None, lang: str) -> str:
    return local_time(datetime.fromisoformat(valid_until), lang) if valid_until else ""


def inbox_row(item: inbox.InboxItem, lang: str) -> InboxRow:
    return InboxRow(
        id=item.id,
        title=item.title,
        body=item.body,
        when=local_time(item.created_at, lang),
        read=item.read,
        critical=item.critical,
    )
