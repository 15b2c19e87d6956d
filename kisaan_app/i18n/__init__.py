"""Message catalogues. One JSON file per language in this folder; adding a file adds a language.

Keys are dotted (`nav.home`, `error.invalid_phone`); values may hold `{name}` placeholders.
A key missing from a catalogue falls back to English, then to the key itself (tests keep them complete).
A text that counts things may have a `<key>.one` form beside `<key>` (the "other" form); `t_count` picks by
the language's CLDR plural rule (Babel): Hindi's "one" covers 0 and 1, English's only 1.
"""

import json
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

_DIR = Path(__file__).parent
DEFAULT_LANGUAGE = "en"
FIRST = (DEFAULT_LANGUAGE, "hi")  # pickers list these first, then the rest by code


@lru_cache
def catalogues() -> dict[str, dict[str, str]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(_DIR.glob("*.json"))}


@lru_cache
def _babel(code: str) -> Locale | None:
    try:
        return Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return None


def _own_name(code: str, cat: dict[str, str]) -> str:
    """The language's name in its own script from CLDR ("ਪੰਜਾਬੀ"), else what its catalogue calls itself."""
    locale = _babel(code)
    name = locale.get_display_name(code) if locale else None
    return name or cat.get("language.name", code)


@lru_cache
def available_languages() -> dict[str, str]:
    """Language code → its own name, English and Hindi first: {"en": "English", "hi": "हिन्दी", "gu": …}."""
    codes = sorted(catalogues(), key=lambda c: (FIRST.index(c) if c in FIRST else len(FIRST), c))
    return {code: _own_name(code, catalogues()[code]) for code in codes}


def resolve_language(code: str | None) -> str:
    return code if code in catalogues() else DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> str:
    """The best language we have for an Accept-Language header ("ta-IN,hi;q=0.8,en;q=0.5" → "hi" until a Tamil
    catalogue exists), by q-value then order; English when none is ours. Only the first 16 entries are read."""
    wanted: list[tuple[float, int, str]] = []
    for order, item in enumerate((header or "")[:512].split(",")[:16]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.split("-")[0].strip().lower()
        if code in catalogues() and q > 0:
            wanted.append((-q, order, code))
    return min(wanted)[2] if wanted else DEFAULT_LANGUAGE


def catalogue(code: str | None) -> dict[str, str]:
    """The full catalogue for a language, English filling any gaps."""
    merged = dict(catalogues()[DEFAULT_LANGUAGE])
    merged.update(catalogues().get(resolve_language(code), {}))
    return merged


def t(code: str | None, key: str, /, **params) -> str:
    text = catalogue(code).get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def plural_category(code: str | None, count: int | float) -> str:
    """CLDR's plural category of a number in a language: "one", "other", …"""
    locale = _babel(resolve_language(code)) or _babel(DEFAULT_LANGUAGE)
    return locale.plural_form(abs(count)) if locale else "other"


def t_count(code: str | None, key: str, count: int, /, **params) -> str:
    """`t` for a text about `count` things: `<key>.<category>` when the catalogue has that form, else `<key>`."""
    form = f"{key}.{plural_category(code, count)}"
    return t(code, form if form in catalogue(code) else key, count=count, **params)


def error_text(code: str | None, error_code: str, /, **params) -> str:
    key = f"error.{error_code}"
    if isinstance(params.get("unit"), str):  # a unit of measure reads in the reader's language too
        params["unit"] = t(code, f"unit.{params['unit']}")
    text = t(code, key, **params)
    return text if text != key else t(code, "error.generic")
