"""Message catalogues. One JSON file per language in this folder; adding a file adds a language.

Keys are dotted (`nav.home`, `error.invalid_phone`); values may hold `{name}` placeholders.
A key missing from a catalogue falls back to English, then to the key itself (tests keep them complete).
"""

import json
from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).parent
DEFAULT_LANGUAGE = "en"


@lru_cache
def catalogues() -> dict[str, dict[str, str]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(_DIR.glob("*.json"))}


def available_languages() -> dict[str, str]:
    """Language code → its own name, e.g. {"en": "English", "hi": "हिन्दी"}."""
    return {code: cat.get("language.name", code) for code, cat in catalogues().items()}


def resolve_language(code: str | None) -> str:
    return code if code in catalogues() else DEFAULT_LANGUAGE


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


def error_text(code: str | None, error_code: str, /, **params) -> str:
    key = f"error.{error_code}"
    if isinstance(params.get("unit"), str):  # a unit of measure reads in the reader's language too
        params["unit"] = t(code, f"unit.{params['unit']}")
    text = t(code, key, **params)
    return text if text != key else t(code, "error.generic")
