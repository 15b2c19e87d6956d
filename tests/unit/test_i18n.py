"""Every user-visible string comes from the catalogue, and every catalogue has every key."""

import json
import re
from pathlib import Path

import pytest

from kisaan_app.i18n import available_languages, catalogue, catalogues, error_text, t
from kisaan_app.services.errors import DomainError, ErrorCode, NotFound, ValidationFailed, known_code

ROOT = Path(__file__).resolve().parents[2] / "kisaan_app"


def test_all_catalogues_have_the_same_keys_and_placeholders():
    english = catalogues()["en"]
    for code, cat in catalogues().items():
        assert set(cat) == set(english), f"{code}: missing {set(english) - set(cat)}, extra {set(cat) - set(english)}"
        for key, text in cat.items():
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[key])), (code, key)


# Each Indian language's script (Unicode block): a catalogue mostly in another script is a copy, not a translation.
SCRIPTS = {
    "hi": r"[\u0900-\u097F]",
    "mr": r"[\u0900-\u097F]",
    "pa": r"[\u0A00-\u0A7F]",
    "gu": r"[\u0A80-\u0AFF]",
    "ta": r"[\u0B80-\u0BFF]",
    "te": r"[\u0C00-\u0C7F]",
}


def test_every_catalogue_is_written_in_its_own_script():
    assert {"en", "hi", "mr", "pa"} <= set(catalogues())
    for code, cat in catalogues().items():
        if code == "en":
            continue
        assert code in SCRIPTS, f"{code}.json: add its script to SCRIPTS"
        native = [k for k, v in cat.items() if re.search(SCRIPTS[code], v)]
        assert len(native) > 0.9 * len(cat), code


def test_languages_are_named_in_their_own_script_english_and_hindi_first():
    names = available_languages()
    assert list(names)[:2] == ["en", "hi"] and names["hi"] == "हिन्दी" and names["mr"] == "मराठी"
    assert names["pa"] == "ਪੰਜਾਬੀ"
    for code, name in names.items():  # CLDR's self-name (Babel) agrees with what the catalogue calls itself
        assert name == catalogues()[code]["language.name"], code


def _source_files():
    return [p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts]


def test_every_key_used_in_pages_exists():
    used: set[str] = set()
    pattern = re.compile(
        r"""(?:tr|_tr|field|empty_state|submit_button|_input|_stat|_info_row|_nav_link|page_shell)\(\s*["']([a-z_]+\.[a-z_.]+)["']"""
    )
    for path in _source_files():
        used.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys: the pattern is broken"
    missing = sorted(k for k in used if k not in catalogues()["en"])
    assert not missing, missing


def test_every_error_code_has_a_message_in_every_catalogue():
    for code in ErrorCode:
        for lang, cat in catalogues().items():
            assert cat.get(f"error.{code}"), (lang, code)


def test_every_error_code_raised_is_a_member():
    """Raising with an unknown code fails at run time; this finds it before a path runs."""
    codes: set[str] = set()
    pattern = re.compile(
        r"""(?:DomainError|ValidationFailed|AuthenticationFailed|PermissionDenied|NotFound|Conflict|WebhookRejected|ProviderRejected|ProviderError)\(\s*["']([a-z_]+)["']"""
    )
    for path in _source_files():
        codes.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert "invalid_phone" in codes
    unknown = sorted(c for c in codes if c not in {str(m) for m in ErrorCode})
    assert not unknown, unknown


def test_raising_with_an_unknown_code_fails():
    with pytest.raises(ValueError, match="no_such_code"):
        ValidationFailed("no_such_code")
    with pytest.raises(ValueError):
        DomainError("Invalid_Phone")  # codes are exact
    err = ValidationFailed("invalid_phone", field="phone")
    assert err.code is ErrorCode.INVALID_PHONE and err.code == "invalid_phone" and f"{err.code}" == "invalid_phone"
    assert NotFound().code is ErrorCode.NOT_FOUND
    assert known_code("payment_not_found", ErrorCode.INVALID) is ErrorCode.PAYMENT_NOT_FOUND
    assert known_code("<script>", ErrorCode.PAYMENT_NOT_FOUND) is ErrorCode.PAYMENT_NOT_FOUND
    assert known_code(None, ErrorCode.INVALID) is ErrorCode.INVALID


def test_lookup_falls_back_and_formats():
    assert t("hi", "home.greeting", name="Ramesh") == "नमस्ते, Ramesh"
    assert t("xx", "nav.home") == "Home"
    assert catalogue("xx")["nav.home"] == "Home"
    assert error_text("en", "rate_limited", minutes=3) == "Too many attempts. Try again in 3 minutes."
    assert error_text("en", "no_such_code") == t("en", "error.generic")


def test_catalogue_files_are_valid_utf8_json():
    for path in (ROOT / "i18n").glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
