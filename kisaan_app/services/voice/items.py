"""What "Listen" reads: only items the listener may see, worded by the server in their language. Nobody can have
arbitrary text rendered (that would be free CPU for anyone), only an inbox item, a warning or a price row."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from kisaan_app.i18n import resolve_language, t
from kisaan_app.i18n.formatting import local_day
from kisaan_app.models.base import utcnow
from kisaan_app.models.feeds import MandiPrice, WeatherAlert
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import glossary
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.feeds.weather import text_for

KINDS = ("inbox", "weather", "price")
MAX_ROW_ID = 2**31 - 1
MAX_REF = 400  # a price row's key (crop|market|variety) is at most ~300 characters


def inbox_words(session: Session, listener: Principal, ref: str, language: str) -> str:
    """One of the listener's own inbox items (someone else's id is simply not found)."""
    row = session.get(NotificationHistory, _row_id(ref))
    if row is None or row.user_id != listener.id or row.channel != "in_app":
        raise NotFound("voice_item_not_found")
    return f"{row.subject or ''}. {row.body or ''}"


def weather_words(session: Session, _listener: Principal, ref: str, language: str) -> str:
    """A warning in force (any signed-in person may read warnings in force, as GET /api/feeds/weather/alerts)."""
    alert = session.get(WeatherAlert, _row_id(ref))
    now = utcnow()
    if alert is None or alert.cancelled_at is not None or not (alert.valid_from <= now < alert.valid_until):
        raise NotFound("voice_item_not_found")
    return alert_words(alert, language)


def alert_words(alert: WeatherAlert, language: str) -> str:
    title, message = text_for(alert, language)
    severity = t(language, f"severity.{alert.severity}")
    return t(language, "voice.alert_line", severity=severity, title=title.rstrip("."), message=message)


def price_words(session: Session, _listener: Principal, ref: str, language: str) -> str:
    """The latest price of one series (crop|market|variety, the key the price rows carry)."""
    parts = ref.split("|")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ValidationFailed("voice_item_invalid", field="ref")
    commodity, market, variety = parts
    row = session.exec(
        select(MandiPrice)
        .where(
            func.lower(MandiPrice.commodity) == commodity.lower(),
            MandiPrice.market == market,
            MandiPrice.variety == variety,
        )
        .order_by(col(MandiPrice.arrival_date).desc(), col(MandiPrice.id).desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound("voice_item_not_found")
    return t(
        language,
        "voice.price_line",
        crop=glossary.label("crop", row.commodity, language),
        market=row.market,
        district=row.district,
        price=row.modal_price_paise // 100,
        day=local_day(row.arrival_date, language, "d MMMM"),
    )


_WORDS = {"inbox": inbox_words, "weather": weather_words, "price": price_words}


def words_for(session: Session, listener: Principal, kind: str, ref: str) -> tuple[str, str]:
    """(text, language) of the item, in the listener's language, or NotFound / ValidationFailed."""
    if kind not in KINDS:
        raise ValidationFailed("voice_item_invalid", field="kind")
    if not ref or len(ref) > MAX_REF:
        raise ValidationFailed("voice_item_invalid", field="ref")
    language = resolve_language(listener.language)
    return _WORDS[kind](session, listener, ref, language), language


def _row_id(ref: str) -> int:
    """A row id that can name a row (ids are 32-bit on PostgreSQL: a larger one would reach the driver)."""
    if not ref.isascii() or not ref.isdigit() or len(ref) > 10 or not 1 <= int(ref) <= MAX_ROW_ID:
        raise ValidationFailed("voice_item_invalid", field="ref")
    return int(ref)
