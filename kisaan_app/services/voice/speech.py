"""Text in a language → a cached Ogg Opus file, rendered once (off the event loop: callers are sync routes,
jobs and `asyncio.to_thread` from pages)."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

from kisaan_app.services.errors import ServiceUnavailable
from kisaan_app.services.voice import cache
from kisaan_app.services.voice.audio import wav_to_opus
from kisaan_app.services.voice.engines import SpeechEngine, current_engine
from kisaan_app.settings import get_settings

AUDIO_KIND = "audio"
SUFFIX = ".opus"
MAX_CHARACTERS = 1500  # a warning's title and message; longer text is cut at a word (a minute of speech)


@dataclass(frozen=True)
class SpokenAudio:
    hash: str
    size: int
    language: str
    engine: str
    cached: bool

    @property
    def url(self) -> str:
        return f"/api/voice/audio/{self.hash}.opus"


def speakable(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_CHARACTERS:
        return text
    return text[:MAX_CHARACTERS].rsplit(" ", 1)[0]


def available(engine: SpeechEngine | None = None) -> bool:
    return (engine or current_engine()).available()


def speak(text: str, language: str, engine: SpeechEngine | None = None) -> SpokenAudio:
    """The Opus audio of `text` read in `language`; 503 voice_unavailable when this machine cannot render."""
    engine = engine or current_engine()
    words = speakable(text)
    if not words:
        raise ServiceUnavailable("voice_nothing_to_read", retry_after_seconds=60)
    if not engine.available():
        raise ServiceUnavailable("voice_unavailable", retry_after_seconds=3600)
    voice = engine.voice_for(language)
    name = cache.key(engine.name, voice, language, words)

    def render() -> bytes:
        try:
            return wav_to_opus(engine.render_wav(words, language), get_settings().voice_bitrate_kbps)
        except (RuntimeError, subprocess.TimeoutExpired) as err:  # a missing or failing tool
            raise ServiceUnavailable("voice_unavailable", retry_after_seconds=60) from err

    content, cached = cache.get_or_make(AUDIO_KIND, name, SUFFIX, render)
    return SpokenAudio(name, len(content), language, engine.name, cached)


def audio_file(name: str) -> Path | None:
    """The cached file for a hash, or None."""
    return cache.path_for(AUDIO_KIND, name, SUFFIX)
