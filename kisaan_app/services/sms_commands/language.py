"""Which language to answer an unknown number in: the script it wrote in (Devanagari → Hindi, unless the
command word is Marathi), else English. A registered farmer is always answered in their profile's language."""

import unicodedata

from kisaan_app.i18n import DEFAULT_LANGUAGE, catalogues
from kisaan_app.services.sms_commands.keywords import Parsed

# Unicode blocks (by their first code point) → the language most people writing that script here read.
SCRIPT_LANGUAGES = {0x0900: "hi", 0x0A00: "pa", 0x0A80: "gu", 0x0B80: "ta", 0x0C00: "te"}


def script_language(text: str) -> str | None:
    """The language of the first Indian-script letter in `text`, or None for Roman letters and digits only."""
    for ch in unicodedata.normalize("NFC", text or ""):
        language = SCRIPT_LANGUAGES.get(ord(ch) & ~0x7F)
        if language:
            return language
    return None


def guess(text: str, parsed: Parsed) -> str:
    """A language with a catalogue: the command word's own language ("दर" is Marathi), else the script's
    (Marathi without a catalogue yet is answered in Hindi, its script's), else English."""
    for candidate in (parsed.language, script_language(text)):
        if candidate and candidate in catalogues():
            return candidate
    return DEFAULT_LANGUAGE
