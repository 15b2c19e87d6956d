"""Speech engines: text in a language → WAV. espeak-ng runs here offline (every language we serve); BHASHINI's
TTS is used when KISAAN_VOICE_TTS_ENGINE=bhashini. Each names the voice it would use, which keys the cache."""

from typing import Protocol

from kisaan_app.providers.bhashini import BhashiniError
from kisaan_app.services.errors import ServiceUnavailable
from kisaan_app.services.voice.audio import OPUSENC, have, run_tool
from kisaan_app.services.voice.provider import bhashini
from kisaan_app.settings import get_settings

ESPEAK = "espeak-ng"
# espeak-ng 1.51's voices for the languages the app speaks; anything else is read by the English voice.
ESPEAK_VOICES = {"en": "en", "hi": "hi", "mr": "mr", "pa": "pa", "gu": "gu", "ta": "ta", "te": "te", "bn": "bn"}
ESPEAK_WORDS_PER_MINUTE = 145  # a little slower than espeak's 175: clearer on a phone speaker


class SpeechEngine(Protocol):
    name: str

    def voice_for(self, language: str) -> str: ...

    def available(self) -> bool: ...

    def render_wav(self, text: str, language: str) -> bytes: ...


class EspeakEngine:
    name = "espeak-ng"

    def voice_for(self, language: str) -> str:
        return ESPEAK_VOICES.get(language, "en")

    def available(self) -> bool:
        return have(ESPEAK) and have(OPUSENC)

    def render_wav(self, text: str, language: str) -> bytes:
        # Text on stdin, never argv: nothing the text holds can be read as an option.
        args = [ESPEAK, "-v", self.voice_for(language), "-s", str(ESPEAK_WORDS_PER_MINUTE), "--stdout"]
        return run_tool(args, text.encode("utf-8"))


class BhashiniEngine:
    name = "bhashini"
    gender = "female"

    def voice_for(self, language: str) -> str:
        return f"{language}-{self.gender}"

    def available(self) -> bool:
        return get_settings().bhashini_enabled and have(OPUSENC)

    def render_wav(self, text: str, language: str) -> bytes:
        try:
            return bhashini().speak(text, language, self.gender)
        except BhashiniError as err:
            raise ServiceUnavailable("voice_provider_failed", retry_after_seconds=30) from err


def current_engine() -> SpeechEngine:
    return BhashiniEngine() if get_settings().voice_tts_engine == "bhashini" else EspeakEngine()
