"""/api/voice: "Listen" (audio of an item the caller may see, never of arbitrary text), the cached audio itself,
spoken or typed commands, and translated notes. Every route is per signed-in person and rate limited; slow work
(rendering, BHASHINI) runs after the request's read transaction has ended, in FastAPI's thread pool."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.ids import RowId
from kisaan_app.services import ratelimit
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.voice import commands, items, notes, speech
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/voice", tags=["voice"])
AUDIO_CACHE_CONTROL = "private, max-age=31536000, immutable"  # a name is a hash of what it holds: never changes


class StatusOut(BaseModel):
    speech: bool
    commands: bool
    translation: bool
    engine: str


class SpeechIn(BaseModel):
    kind: Literal["inbox", "weather", "price"]
    ref: str = Field(min_length=1, max_length=items.MAX_REF)


class SpeechOut(BaseModel):
    url: str
    hash: str
    bytes: int
    language: str
    engine: str
    cached: bool


class ChoiceOut(BaseModel):
    kind: str
    label: str
    detail: str
    href: str


class CommandOut(BaseModel):
    heard: str
    choices: list[ChoiceOut]


class TranslateIn(BaseModel):
    kind: Literal["listing", "offer"]
    id: RowId


class TranslateOut(BaseModel):
    original: str
    text: str
    source: str
    target: str
    translated: bool


def _end_read(session: Session) -> None:
    """The read is done: end its transaction before the slow part (no provider call inside one)."""
    session.commit()


@router.get("/status", response_model=StatusOut)
def voice_status(_who: CurrentPrincipal) -> StatusOut:
    """What this server can do now: pages hide "Listen" and the microphone when it cannot."""
    settings = get_settings()
    return StatusOut(
        speech=speech.available(),
        commands=settings.bhashini_enabled,
        translation=settings.bhashini_enabled,
        engine=settings.voice_tts_engine,
    )


@router.post("/speech", response_model=SpeechOut)
def speech_of_item(body: SpeechIn, session: SessionDep, who: CurrentPrincipal) -> SpeechOut:
    """Audio (Ogg Opus) of one inbox item, weather warning or price row, read in your language."""
    ratelimit.take(get_settings().voice_speech_rate_per_user, "voice.speech", str(who.id))
    words, language = items.words_for(session, who, body.kind, body.ref)
    _end_read(session)
    audio = speech.speak(words, language)
    return SpeechOut(
        url=audio.url, hash=audio.hash, bytes=audio.size, language=language, engine=audio.engine, cached=audio.cached
    )


@router.get("/audio/{name}.opus", include_in_schema=False)
def cached_audio(name: str, _who: CurrentPrincipal) -> FileResponse:
    path = speech.audio_file(name)
    if path is None:
        raise NotFound("voice_item_not_found")
    return FileResponse(path, media_type="audio/ogg", headers={"Cache-Control": AUDIO_CACHE_CONTROL, "ETag": name})


@router.post("/command", response_model=CommandOut)
def command(
    session: SessionDep,
    who: CurrentPrincipal,
    audio: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str | None, Form(max_length=commands.MAX_TEXT)] = None,
) -> CommandOut:
    """A spoken command (multipart `audio`: WAV, Ogg or WebM, size and length limited) or typed `text`, matched
    onto prices, weather and selling for your crops and districts: tappable choices."""
    ratelimit.take(get_settings().voice_command_rate_per_user, "voice.command", str(who.id))
    heard = _heard(session, who, audio, text)
    result = commands.choices_for(session, who, heard)
    return CommandOut(heard=result.heard, choices=[ChoiceOut(**vars(c)) for c in result.choices])


def _heard(session: Session, who: Principal, audio: UploadFile | None, text: str | None) -> str:
    if text and text.strip():
        return text
    if audio is None:
        raise ValidationFailed("voice_audio_empty", field="audio")
    fmt = commands.audio_format(audio.content_type)
    limit = get_settings().voice_command_max_kb * 1024
    content = audio.file.read(limit + 1)
    _end_read(session)  # the principal was read; ASR may take seconds
    return commands.transcribe(content, fmt, who.language)


@router.post("/translate", response_model=TranslateOut)
def translate_note(body: TranslateIn, session: SessionDep, who: CurrentPrincipal) -> TranslateOut:
    """A listing's description or an offer's message, in your language (only ones you may see)."""
    ratelimit.take(get_settings().voice_translate_rate_per_user, "voice.translate", str(who.id))
    note = notes.note_for(session, who, body.kind, body.id)
    _end_read(session)
    return TranslateOut(**vars(notes.translate(note, who.language)))
