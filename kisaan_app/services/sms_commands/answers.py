"""The reply to each command, in the reader's language, within MAX_SEGMENTS SMS parts.

Parts are counted as Twilio bills them (providers/sms_segments.py): 160 GSM-7 characters, or 70 UCS-2 ones as
soon as one character is outside GSM-7 (any Indian script, and "₹", which is why English replies say "Rs").
Lists (prices, warnings) keep as many whole lines as fit; a single long text is cut at a word.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import group_indian, local_day, local_time
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.feeds import PriceAlertRule
from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.services import glossary
from kisaan_app.services.feeds import price_board, weather
from kisaan_app.services.sms_commands.keywords import Command, Parsed
from kisaan_app.settings import get_settings

MAX_SEGMENTS = 2  # a reply costs the farmer's attention and us money: two parts at most
MARKETS_PER_CROP = 3
CROPS_FROM_PROFILE = 2  # "PRICE" alone: the farmer's first crops
ARGUMENT_ECHO = 20  # how much of an unknown crop name the reply repeats


@dataclass(frozen=True)
class Sender:
    """Who texted: a registered person (with their farm, if a farmer) or None for an unknown number."""

    user: User | None
    profile: FarmerProfile | None
    language: str


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segment_count(text)[0] <= max_segments


def fit(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """`text` cut at a word so that it fits (with "..." in place of what was cut)."""
    if fits(text, max_segments):
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        cut = " ".join(words).rstrip(" ,.:;-") + "..."
        if fits(cut, max_segments):
            return cut
    low, high = 0, len(text)
    while low < high:  # one long word (no spaces): the longest prefix that fits
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(text[:middle], max_segments) else (low, middle - 1)
    return text[:low]


def within(head: str, lines: list[str], empty: str) -> str:
    """`head` and as many whole `lines` as fit; `empty` when there are none."""
    if not lines:
        return fit(empty)
    text = head
    for line in lines:
        longer = f"{text}\n{line}" if text else line
        if not fits(longer):
            break
        text = longer
    return text if text != head else fit(f"{head}\n{lines[0]}")


def _rupees(paise: int) -> str:
    return group_indian(paise // 100)


def _price_lines(session: Session, crop: str, profile: FarmerProfile | None, lang: str) -> list[str]:
    district, state = (profile.district, profile.state) if profile else (None, None)
    rows = price_board.latest_prices(session, [crop], district, state, limit=MARKETS_PER_CROP)
    if not rows and (district or state):  # nothing near the farmer: the latest anywhere beats nothing
        rows = price_board.latest_prices(session, [crop], None, None, limit=MARKETS_PER_CROP)
    markets = Counter(row.market for row in rows)  # a market selling two varieties names each
    return [
        t(
            lang,
            "sms.price_line",
            market=f"{row.market} {row.variety}" if markets[row.market] > 1 else row.market,
            day=local_day(row.arrival_date, lang),
            modal=_rupees(row.modal_price_paise),
            low=_rupees(row.min_price_paise),
            high=_rupees(row.max_price_paise),
        )
        for row in rows
    ]


def price(session: Session, parsed: Parsed, sender: Sender) -> str:
    lang = sender.language
    if parsed.argument and not parsed.crop:
        return fit(t(lang, "sms.price_unknown_crop", crop=parsed.argument[:ARGUMENT_ECHO]))
    grown = (sender.profile.crops if sender.profile else None) or []
    crops = [parsed.crop] if parsed.crop else list(grown[:CROPS_FROM_PROFILE])
    if not crops:
        return fit(t(lang, "sms.price_which_crop"))
    blocks = []
    for crop in crops:
        name = glossary.label("crop", glossary.canonical("crop", crop), lang)
        lines = _price_lines(session, glossary.canonical("crop", crop), sender.profile, lang)
        blocks.append((t(lang, "sms.price_head", crop=name), lines, t(lang, "sms.price_none", crop=name)))
    text = ""
    for head, lines, empty in blocks:
        block = within(head, lines, empty)
        longer = f"{text}\n{block}" if text else block
        if text and not fits(longer):
            break
        text = longer
    return fit(text)


def alerts(session: Session, sender: Sender, today: date) -> str:
    """Weather warnings in force for the farmer's district, then their price alerts that fired today."""
    lang = sender.language
    district = sender.profile.district if sender.profile else None
    lines = []
    for alert in weather.active_alerts(session, district) if district else []:
        title, _message = weather.text_for(alert, lang)
        lines.append(
            t(
                lang,
                "sms.alert_line",
                severity=t(lang, f"severity.{alert.severity}"),
                title=title,
                until=local_time(alert.valid_until, lang, "d MMM HH:mm"),
            )
        )
    if sender.user is not None:
        fired = session.exec(
            select(PriceAlertRule.commodity)
            .where(PriceAlertRule.user_id == sender.user.id, PriceAlertRule.last_fired_on == today)
            .order_by(col(PriceAlertRule.id))
        ).all()
        lines += [t(lang, "sms.alert_price_line", crop=glossary.label("crop", crop, lang)) for crop in fired]
    if not district and not lines:
        return fit(t(lang, "sms.alerts_no_district"))
    place = glossary.label("district", district, lang) if district else ""
    return within(t(lang, "sms.alerts_head", district=place), lines, t(lang, "sms.alerts_none", district=place))


def answer(session: Session, parsed: Parsed, sender: Sender, today: date) -> str:
    """The reply text for one command (STOP and START are answered after the consent is recorded)."""
    lang = sender.language
    if parsed.command == Command.STOP:
        return fit(t(lang, "sms.stopped"))
    if parsed.command == Command.START:
        return fit(t(lang, "sms.started"))
    if sender.user is None:
        return fit(t(lang, "sms.register", url=get_settings().public_url.removeprefix("https://")))
    if parsed.command == Command.PRICE:
        return price(session, parsed, sender)
    if parsed.command == Command.ALERTS:
        return alerts(session, sender, today)
    return fit(t(lang, "sms.help"))
