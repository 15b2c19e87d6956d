"""Which font draws which script in our PDFs, found on disk at run time (Debian's fonts-dejavu-core and
fonts-lohit-*; `make fonts` installs them).

A document uses its language's font first and every other script's as a fallback, so a Hindi statement still
shows a buyer's name typed in Gurmukhi, and an English one a crop typed in Devanagari. Adding a language is a
catalogue file plus, for a new script, one line in SCRIPT_FONTS and LANGUAGE_SCRIPT.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kisaan_app.services.errors import ErrorCode, ServiceUnavailable
from kisaan_app.settings import get_settings


@dataclass(frozen=True)
class ScriptFont:
    family: str  # the name fpdf2 knows it by
    files: tuple[str, ...]  # file names to look for, best first (Lohit, then Noto)
    bold_files: tuple[str, ...] = ()


SCRIPT_FONTS: dict[str, ScriptFont] = {
    "latin": ScriptFont("DejaVu", ("DejaVuSans.ttf",), ("DejaVuSans-Bold.ttf",)),
    "deva": ScriptFont("Devanagari", ("Lohit-Devanagari.ttf", "NotoSansDevanagari-Regular.ttf")),
    "guru": ScriptFont("Gurmukhi", ("Lohit-Gurmukhi.ttf", "NotoSansGurmukhi-Regular.ttf")),
    "gujr": ScriptFont("Gujarati", ("Lohit-Gujarati.ttf", "NotoSansGujarati-Regular.ttf")),
    "taml": ScriptFont("Tamil", ("Lohit-Tamil.ttf", "NotoSansTamil-Regular.ttf")),
    "telu": ScriptFont("Telugu", ("Lohit-Telugu.ttf", "NotoSansTelugu-Regular.ttf")),
}
LANGUAGE_SCRIPT = {"en": "latin", "hi": "deva", "mr": "deva", "pa": "guru", "gu": "gujr", "ta": "taml", "te": "telu"}


class FontMissing(ServiceUnavailable):
    """A font file is not installed: the operator's fix, said plainly (503, never a broken PDF)."""

    def __init__(self, script: str) -> None:
        super().__init__(ErrorCode.DOCUMENT_FONT_MISSING, retry_after_seconds=3600, script=script)


def _search_dirs() -> tuple[Path, ...]:
    return tuple(Path(d) for d in get_settings().pdf_font_dirs.split(":") if d.strip())


@lru_cache(maxsize=64)
def _find(dirs: tuple[Path, ...], names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in dirs:
            if folder.is_dir():
                found = next(iter(sorted(folder.rglob(name))), None)
                if found is not None:
                    return found
    return None


def font_file(script: str, bold: bool = False) -> Path:
    """The font file for a script; bold falls back to regular when the script has no bold face installed."""
    font = SCRIPT_FONTS[script]
    found = (_find(_search_dirs(), font.bold_files) if bold and font.bold_files else None) or _find(
        _search_dirs(), font.files
    )
    if found is None:
        raise FontMissing(script)
    return found


def has_bold(script: str) -> bool:
    font = SCRIPT_FONTS[script]
    return bool(font.bold_files) and _find(_search_dirs(), font.bold_files) is not None


def script_for(language: str) -> str:
    return LANGUAGE_SCRIPT.get(language, "latin")


def order_for(language: str) -> list[str]:
    """The document's own script first, then the others as fallbacks."""
    first = script_for(language)
    return [first] + [s for s in SCRIPT_FONTS if s != first]
