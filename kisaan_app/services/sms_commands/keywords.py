"""What an SMS asks for: PRICE <crop>, ALERTS, HELP, STOP, START, in English, Roman Hindi or any Indian script.

Words are compared by their sound skeleton (services/glossary.py), so "bhav", "bhaav" and "भाव" are one word
and a farmer's spelling need not be exact. STOP and START count only when they are the whole message, as carriers
treat them ("STOP the rain alerts?" is not an opt-out). A crop alone ("ONION", "प्याज") asks for its price.
"""

import string
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from kisaan_app.services import glossary


class Command(StrEnum):
    PRICE = "price"
    ALERTS = "alerts"
    HELP = "help"
    STOP = "stop"
    START = "start"
    UNKNOWN = "unknown"


# Each word with the language it belongs to ("" when it is shared or English); carriers' standard opt-out and
# opt-in words first (Twilio: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; START, UNSTOP).
KEYWORDS: dict[Command, tuple[tuple[str, str], ...]] = {
    Command.STOP: (
        *((w, "") for w in ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "band", "roko")),
        ("बंद", "hi"),
        ("रोको", "hi"),
        ("थांबवा", "mr"),
        ("ਬੰਦ", "pa"),
        ("ਰੋਕੋ", "pa"),
        ("બંધ", "gu"),
        ("நிறுத்து", "ta"),
        ("ఆపు", "te"),
    ),
    Command.START: (
        *((w, "") for w in ("start", "unstop", "subscribe", "shuru", "chalu")),
        ("शुरू", "hi"),
        ("चालू", "hi"),
        ("सुरू", "mr"),
        ("ਸ਼ੁਰੂ", "pa"),
        ("શરૂ", "gu"),
        ("தொடங்கு", "ta"),
        ("ప్రారంభం", "te"),
    ),
    Command.PRICE: (
        *((w, "") for w in ("price", "prices", "rate", "rates", "bhav", "bhao", "daam", "kimat", "mandi")),
        ("भाव", "hi"),
        ("दाम", "hi"),
        ("कीमत", "hi"),
        ("रेट", "hi"),
        ("मंडी", "hi"),
        ("दर", "mr"),
        ("ਭਾਅ", "pa"),
        ("ਕੀਮਤ", "pa"),
        ("ભાવ", "gu"),
        ("કિંમત", "gu"),
        ("விலை", "ta"),
        ("ధర", "te"),
    ),
    Command.ALERTS: (
        *((w, "") for w in ("alert", "alerts", "warning", "warnings", "weather", "mausam", "chetavani")),
        ("अलर्ट", "hi"),
        ("चेतावनी", "hi"),
        ("मौसम", "hi"),
        ("इशारा", "mr"),
        ("हवामान", "mr"),
        ("ਚੇਤਾਵਨੀ", "pa"),
        ("ਮੌਸਮ", "pa"),
        ("ચેતવણી", "gu"),
        ("હવામાન", "gu"),
        ("எச்சரிக்கை", "ta"),
        ("வானிலை", "ta"),
        ("హెచ్చరిక", "te"),
        ("వాతావరణం", "te"),
    ),
    Command.HELP: (
        *((w, "") for w in ("help", "info", "menu", "madad", "sahayata")),
        ("मदद", "hi"),
        ("सहायता", "hi"),
        ("मदत", "mr"),
        ("ਮਦਦ", "pa"),
        ("મદદ", "gu"),
        ("உதவி", "ta"),
        ("సహాయం", "te"),
    ),
}
# Small words around a crop that are not part of its name: "pyaz ka bhav", "प्याज़ का भाव", "price of onion".
FILLERS = frozenset({"ka", "ki", "ke", "of", "for", "today", "aaj", "का", "की", "के", "आज", "चा", "ची", "ਦਾ", "ਦੀ"})
STRIP = string.punctuation + "।॥…“”‘’"


@dataclass(frozen=True)
class Parsed:
    command: Command
    argument: str = ""  # what follows PRICE, as typed ("onion", "प्याज")
    crop: str | None = None  # the glossary key the argument (or a crop alone) names
    language: str = ""  # the language of the keyword as written, when only one language uses that word


@cache
def _index() -> dict[str, Command]:
    """skeleton → command (tests check that no skeleton belongs to two commands)."""
    return {glossary.skeleton(word): command for command, words in KEYWORDS.items() for word, _lang in words}


@cache
def _languages() -> dict[str, str]:
    """The word exactly as written → its language: "दर" is Marathi, though its skeleton is Telugu "ధర"'s too."""
    return {word: lang for words in KEYWORDS.values() for word, lang in words if lang}


def words_of(text: str) -> list[str]:
    """The message's words, composed, lower-cased, without punctuation at their ends (Indic vowel signs kept)."""
    words = (w.strip(STRIP).casefold() for w in unicodedata.normalize("NFC", text or "").split())
    return [w for w in words if w]


def keyword(word: str) -> tuple[Command, str] | None:
    """The command a word names and the language it is written in ("" when not telling), or None."""
    folded = glossary.skeleton(word)
    command = _index().get(folded) if folded else None
    return (command, _languages().get(word, "")) if command else None


def _is_price_word(word: str) -> bool:
    found = keyword(word)
    return bool(found and found[0] == Command.PRICE)


def _price(rest: list[str], language: str) -> Parsed:
    wanted = [w for w in rest if w not in FILLERS and not _is_price_word(w)]  # "मंडी भाव प्याज": two price words
    argument = " ".join(wanted)
    return Parsed(Command.PRICE, argument, glossary.match("crop", argument) if argument else None, language)


def parse(text: str) -> Parsed:
    words = words_of(text)
    if not words:
        return Parsed(Command.UNKNOWN)
    first, last = keyword(words[0]), keyword(words[-1])
    if len(words) == 1 and first and first[0] in (Command.STOP, Command.START):
        return Parsed(first[0], language=first[1])
    if first and first[0] in (Command.PRICE, Command.ALERTS, Command.HELP):
        if first[0] == Command.PRICE:
            return _price(words[1:], first[1])
        return Parsed(first[0], language=first[1])
    if last and last[0] == Command.PRICE:  # "प्याज भाव", "pyaz ka bhav": Hindi puts the crop first
        return _price(words[:-1], last[1])
    crop = glossary.match("crop", " ".join(words))
    if crop:
        return Parsed(Command.PRICE, " ".join(words), crop)
    return Parsed(Command.UNKNOWN)
