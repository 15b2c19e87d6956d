"""What the BHASHINI stand-in "hears" and "translates": a fixed set of phrases, honestly.

No speech recogniser can be had offline here for Indian languages, so the stand-in's ASR is fixture-based: each
phrase below is rendered by espeak-ng (deterministic for one espeak-ng build), and audio whose bytes hash to one of
those renderings is transcribed as that phrase; any other audio is heard as silence (an empty transcript), as
BHASHINI answers for noise. Tests and the bench render the same fixtures with `fixture_wav` and check what the app
makes of them. Translation knows a few sentences both ways; anything else comes back marked "[xx] text".
"""

import hashlib
import subprocess
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class SpokenFixture:
    language: str
    phrase: str
    intent: str  # what a farmer means: price | weather | sell
    crop: str | None  # the glossary key of the crop named, if any


FIXTURES: tuple[SpokenFixture, ...] = (
    SpokenFixture("hi", "प्याज का भाव", "price", "Onion"),
    SpokenFixture("hi", "मौसम कैसा है", "weather", None),
    SpokenFixture("hi", "गेहूं बेचना है", "sell", "Wheat"),
    SpokenFixture("hi", "टमाटर का भाव बताओ", "price", "Tomato"),
    SpokenFixture("hi", "आलू बेचना है", "sell", "Potato"),
    SpokenFixture("en", "onion price", "price", "Onion"),
    SpokenFixture("en", "weather", "weather", None),
    SpokenFixture("en", "sell wheat", "sell", "Wheat"),
    SpokenFixture("mr", "कांदा भाव", "price", "Onion"),
    SpokenFixture("mr", "हवामान", "weather", None),
    SpokenFixture("pa", "ਕਣਕ ਵੇਚਣਾ", "sell", "Wheat"),
    SpokenFixture("gu", "ડુંગળી ભાવ", "price", "Onion"),
    SpokenFixture("ta", "வெங்காயம் விலை", "price", "Onion"),
    SpokenFixture("te", "వాతావరణం", "weather", None),
)

TRANSLATIONS: dict[tuple[str, str, str], str] = {
    ("en", "hi", "Fresh red onions, dried for two weeks."): "ताज़ा लाल प्याज़, दो हफ़्ते सुखाया हुआ।",
    ("hi", "en", "ताज़ा लाल प्याज़, दो हफ़्ते सुखाया हुआ।"): "Fresh red onions, dried for two weeks.",
    ("en", "hi", "Can you deliver to Pune?"): "क्या आप पुणे तक पहुँचा सकते हैं?",
    ("hi", "en", "क्या आप पुणे तक पहुँचा सकते हैं?"): "Can you deliver to Pune?",
    ("mr", "hi", "माल चांगला आहे"): "माल अच्छा है",
}


def espeak_wav(text: str, language: str) -> bytes:
    """espeak-ng's WAV of `text` (16-bit mono, 22050 Hz), text on stdin."""
    voice = language if language in {"en", "hi", "mr", "pa", "gu", "ta", "te", "bn"} else "en"
    done = subprocess.run(
        ["espeak-ng", "-v", voice, "--stdout"], input=text.encode(), capture_output=True, timeout=30, check=True
    )
    return done.stdout


def fixture_wav(fixture: SpokenFixture) -> bytes:
    return espeak_wav(fixture.phrase, fixture.language)


@cache
def transcripts() -> dict[str, str]:
    """sha256 of each fixture's audio → its phrase (rendered on first use)."""
    return {hashlib.sha256(fixture_wav(f)).hexdigest(): f.phrase for f in FIXTURES}


def transcribe(audio: bytes) -> str:
    return transcripts().get(hashlib.sha256(audio).hexdigest(), "")


def translate(text: str, source: str, target: str) -> str:
    return TRANSLATIONS.get((source, target, text.strip()), f"[{target}] {text}")
