"""The names a farmer picks from lists — crops, districts, states — matched across scripts and spellings.

"प्याज़", "pyaz", "kanda" and "Onion " are one crop; "नाशिक", "Nasik" and "nashik" one district. Each entry of
kisaan_app/data/glossary.json has a canonical English key (for crops Agmarknet's commodity name, so mandi prices
match), the name to show a reader of each Indian language (`names`: hi, mr, pa, gu, ta, te) and other
spellings. Matching folds every name to a rough sound skeleton: any
Indian script is transliterated (indic-transliteration) to Roman letters, then long vowels, aspiration, doubled
letters, nasals and the trailing inherent "a" (the virama question) are folded away, so the list needs only the
names transliteration cannot reach. Stored rows hold the key; what nobody listed is kept as typed, tidied.
"""

import json
import re
import unicodedata
from functools import cache
from itertools import groupby
from pathlib import Path

from indic_transliteration import sanscript

KINDS = ("crop", "district", "state")
GLOSSARY_FILE = Path(__file__).resolve().parents[1] / "data" / "glossary.json"
# Unicode blocks of the Indian scripts indic-transliteration reads, by their first code point.
_SCRIPTS = {
    0x0900: sanscript.DEVANAGARI,
    0x0980: sanscript.BENGALI,
    0x0A00: sanscript.GURMUKHI,
    0x0A80: sanscript.GUJARATI,
    0x0B00: sanscript.ORIYA,
    0x0B80: sanscript.TAMIL,
    0x0C00: sanscript.TELUGU,
    0x0C80: sanscript.KANNADA,
    0x0D00: sanscript.MALAYALAM,
}
_ASPIRATED = re.compile(r"([bcdgjklmnprstvy])h")
_NASAL_BEFORE_CONSONANT = re.compile(r"[nm](?=[bcdfgjklpqrstvxz])")
# Tamil script writes k/g, t/d, p/b, c/j with one letter each (கோதுமை reads "godhumai", said "kothumai"): a
# second, looser index folds voicing, asked only when the exact skeleton is unknown (मका maize ≠ મગ moong).
_UNVOICED = str.maketrans("bdgj", "ptkc")
_FOLDS = (("sh", "s"), ("ph", "f"), ("z", "j"), ("w", "v"), ("q", "k"), ("x", "ks"), ("ee", "i"), ("oo", "u"))


# The voicing-folded second look (Tamil writes k and g alike) only for names this long once folded: shorter ones
# collide with everyday words.
LOOSE_MIN_LETTERS = 3


def _script_of(ch: str) -> str | None:
    block = ord(ch) & ~0x7F
    return _SCRIPTS.get(block)


def _romanise(text: str) -> str:
    """Each run of one Indian script → IAST; Roman letters stay as they are."""
    out = []
    for script, chars in groupby(text, key=_script_of):
        chunk = "".join(chars)
        out.append(sanscript.transliterate(chunk, script, sanscript.IAST) if script else chunk)
    return "".join(out)


def skeleton(text: str) -> str:
    """A name folded to how it sounds, the same for every script and careless spelling of it."""
    roman = unicodedata.normalize("NFKD", _romanise(unicodedata.normalize("NFC", text or "")))
    words = []
    for word in re.split(r"[^a-z]+", "".join(c for c in roman if not unicodedata.combining(c)).lower()):
        for old, new in _FOLDS:
            word = word.replace(old, new)
        word = _ASPIRATED.sub(r"\1", word)
        word = re.sub(r"(.)\1+", r"\1", word)  # doubled letters and long vowels (aa, ii, uu)
        word = _NASAL_BEFORE_CONSONANT.sub("", word)
        word = word.removesuffix("a").removesuffix("n").removesuffix("m") if len(word) > 3 else word
        if word:
            words.append(word)
    return "".join(words)


@cache
def _entries() -> dict[str, list[dict]]:
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return {kind: data[kind] for kind in KINDS}


def _voiceless(folded: str) -> str:
    return re.sub(r"(.)\1+", r"\1", folded.translate(_UNVOICED))


@cache
def _index(kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """(skeleton → canonical key, voiceless skeleton → key), for every name of every entry of one kind."""
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for entry in _entries()[kind]:
        for name in (entry["key"], *entry["names"].values(), *entry.get("also", ())):
            exact.setdefault(skeleton(name), entry["key"])
            loose.setdefault(_voiceless(skeleton(name)), entry["key"])
    return exact, loose


def tidy(text: str | None) -> str:
    """Spaces collapsed, Unicode composed, Roman words in Title Case ("nashik " → "Nashik")."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    return text.title() if text.isascii() else text


def match(kind: str, text: str | None) -> str | None:
    """The canonical key a typed name means, or None when the glossary does not know it."""
    folded = skeleton(text or "")
    if not folded:
        return None
    exact, loose = _index(kind)
    if len(folded) < LOOSE_MIN_LETTERS:  # "ka" in "pyaz ka bhav" is not गन्ना's "ga" said unvoiced
        return exact.get(folded)
    return exact.get(folded) or loose.get(_voiceless(folded))


def canonical(kind: str, text: str | None) -> str:
    """What to store and search by: the glossary's key, else the name as typed (tidied)."""
    return match(kind, text) or tidy(text)


@cache
def _labels(kind: str) -> dict[str, dict[str, str]]:
    """key → {language: name}."""
    return {entry["key"]: entry["names"] for entry in _entries()[kind]}


def label(kind: str, key: str, lang: str) -> str:
    """How to show a stored name to a reader: the name in their language, else (English, or a name nobody
    listed) the key."""
    return _labels(kind).get(key, {}).get(lang, key)


def choices(kind: str, lang: str) -> list[str]:
    """The names a list offers, in the reader's language (any of them is matched back to its key)."""
    return [label(kind, entry["key"], lang) for entry in _entries()[kind]]
