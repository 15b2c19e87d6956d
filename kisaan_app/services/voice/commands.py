"""A farmer's spoken (or typed) command → tappable choices: "प्याज़ का भाव" offers Onion's price near them,
"मौसम" their district's warnings, "गेहूं बेचना है" the sell form for Wheat. Speech becomes text through the
configured ASR (BHASHINI); matching is the same for typed text, so typing always works too."""

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlmodel import Session, select

from kisaan_app.i18n import resolve_language, t
from kisaan_app.models.accounts import FarmerProfile
from kisaan_app.providers.bhashini import BhashiniError
from kisaan_app.services import glossary
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ServiceUnavailable, ValidationFailed
from kisaan_app.services.feeds import price_board
from kisaan_app.services.voice.audio import ogg_opus_info, wav_seconds
from kisaan_app.services.voice.provider import bhashini
from kisaan_app.services.voice.vocabulary import understand
from kisaan_app.settings import get_settings

AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/ogg": "ogg", "audio/webm": "webm"}
MAX_TEXT = 200
MAX_CHOICES = 6


@dataclass(frozen=True)
class Choice:
    kind: str  # price | weather | sell | market
    label: str
    detail: str
    href: str


@dataclass(frozen=True)
class CommandResult:
    heard: str  # the transcript (or the typed words)
    choices: list[Choice]


def audio_format(content_type: str | None) -> str:
    """wav | ogg | webm from the upload's type (codec parameters ignored); anything else is refused."""
    base = (content_type or "").split(";")[0].strip().lower()
    if base not in AUDIO_FORMATS:
        raise ValidationFailed("voice_audio_format", field="audio")
    return AUDIO_FORMATS[base]


def check_audio(audio: bytes, fmt: str) -> None:
    """Size always; duration where the container states it (WAV header, Ogg granules). A WebM recording is held
    to the size limit, which at the browser's 24 kbit/s is about the same length."""
    settings = get_settings()
    if not audio:
        raise ValidationFailed("voice_audio_empty", field="audio")
    if len(audio) > settings.voice_command_max_kb * 1024:
        raise ValidationFailed("voice_audio_too_large", field="audio", max_kb=settings.voice_command_max_kb)
    seconds: float | None = None
    if fmt == "wav":
        seconds = wav_seconds(audio)
        if seconds is None:
            raise ValidationFailed("voice_audio_format", field="audio")
    elif fmt == "ogg":
        try:
            seconds = ogg_opus_info(audio).seconds
        except ValueError:
            raise ValidationFailed("voice_audio_format", field="audio") from None
    if seconds is not None and seconds > settings.voice_command_max_seconds:
        raise ValidationFailed("voice_audio_too_long", field="audio", seconds=settings.voice_command_max_seconds)


def transcribe(audio: bytes, fmt: str, language: str) -> str:
    """ASR through BHASHINI (never inside a DB transaction: callers hold none)."""
    check_audio(audio, fmt)
    try:
        return bhashini().recognise(audio, fmt, language)
    except BhashiniError as err:
        raise ServiceUnavailable("voice_provider_failed", retry_after_seconds=30) from err


def _profile(session: Session, who: Principal) -> FarmerProfile | None:
    return session.exec(select(FarmerProfile).where(FarmerProfile.user_id == who.id)).first()


def choices_for(session: Session, who: Principal, text: str) -> CommandResult:
    """The choices `text` names, for this person (their crops count as words, their district is the default)."""
    text = " ".join(text.split())[:MAX_TEXT]
    lang = resolve_language(who.language)
    profile = _profile(session, who)
    heard = understand(text, list(profile.crops or []) if profile else [])
    district = heard.districts[0] if heard.districts else (profile.district if profile else None)
    state = profile.state if profile else None
    intents = heard.intents or (("price", "sell") if heard.crops else ())
    out: list[Choice] = []
    for intent in intents:
        if intent == "weather":
            out.append(Choice("weather", t(lang, "voice.choice_weather"), district or "", "/#weather-alerts"))
        for crop in heard.crops if intent in ("price", "sell") else ():
            name = glossary.label("crop", crop, lang)
            if intent == "price":
                rows = price_board.latest_prices(session, [crop], district, state, limit=1)
                detail = (
                    t(lang, "voice.choice_price_detail", market=rows[0].market, price=rows[0].modal_price_paise // 100)
                    if rows
                    else t(lang, "voice.choice_no_price")
                )
                out.append(Choice("price", t(lang, "voice.choice_price", crop=name), detail, _market(crop, district)))
            else:
                out.append(
                    Choice(
                        "sell", t(lang, "voice.choice_sell", crop=name), "", "/market/sell?" + urlencode({"crop": crop})
                    )
                )
    if not intents and heard.districts:
        place = glossary.label("district", heard.districts[0], lang)
        out.append(
            Choice("market", t(lang, "voice.choice_market", district=place), "", _market(None, heard.districts[0]))
        )
    return CommandResult(text, out[:MAX_CHOICES])


def _market(crop: str | None, district: str | None) -> str:
    query = {k: v for k, v in (("crop", crop), ("district", district)) if v}
    return "/market" + ("?" + urlencode(query) if query else "")
