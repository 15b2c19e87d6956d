"""Every language the app speaks: CLDR plurals and lakh grouping, message templates that render and fit an SMS in
each language, glossary names in every script, and fonts on this machine for every character we show.

The tests iterate over the catalogue and template files present, so a language added later is checked too."""

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.i18n import (
    available_languages,
    catalogue,
    catalogues,
    from_accept_language,
    plural_category,
    t,
    t_count,
)
from kisaan_app.i18n.formatting import number, rupees
from kisaan_app.models.notifications import NotificationTemplate
from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.seed_templates import TEMPLATES_DIR, demo_templates, seed_notification_templates
from kisaan_app.services import glossary
from kisaan_app.services.notifications import templates
from kisaan_app.services.notifications.dispatch import Composer
from tests.unit.test_i18n import SCRIPTS

INDIAN = ("hi", "mr", "pa", "gu", "ta", "te")  # the glossary names each; formatting is pinned for each
PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")
# Realistic values, long enough to matter: a red-alert SMS must still fit in a few parts.
SAMPLE = {
    "name": "Ramesh Pawar",
    "district": "Ahmednagar",
    "warning": "very heavy rain and hail",
    "crop": "Onion",
    "buyer": "Shree Traders",
    "price": "2,350",
    "amount": "12,34,567",
    "payer": "Shree Traders",
    "reference": "pay_N8x2Kd93",
    "title": "Mandi closed",
    "message": "Lasalgaon mandi is closed on Monday.",
    # the events' words (services/notifications/event_texts.py)
    "who": "Shree Traders",
    "quantity": "12 quintal",
    "hours": "6",
    "minutes": "30",
    "order": "KS-1042",
    "receipt": "rcpt_1042",
    "total": "2,350",
    "device": "SOIL-7",
    "reading": "soil moisture 12%",
    "farmer": "Ramesh Pawar",
    "issue": "leaf curl",
    "case": "C-17",
    "helper": "Sunita (FPO)",
    "advice": "Spray neem oil in the evening.",
    "org": "Nashik Onion FPO",
    "url": "kisaansay.in",
    "phone": "98XXXXXX10",
}
SMS_MAX_PARTS = 3  # what the demo alerts may cost per person (UCS-2: 67 characters a part)


# --- plurals and numbers (Babel / CLDR) ---


def test_plural_forms_follow_each_languages_cldr_rule():
    assert [plural_category("en", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert [plural_category("hi", n) for n in (0, 1, 2)] == ["one", "one", "other"]  # Hindi: 0 and 1 are "one"
    assert plural_category("mr", 1) == "one" and plural_category("pa", 5) == "other"
    assert t_count("en", "alerts.issued", 1) == "Warning issued to 1 farmer."
    assert t_count("en", "alerts.issued", 12) == "Warning issued to 12 farmers."
    assert t_count("hi", "alerts.issued", 1) == "1 किसान को चेतावनी भेजी गई।"
    assert t_count("mr", "messages.confirm", 1) != t_count("mr", "messages.confirm", 2)


def test_every_singular_form_has_its_plural_and_the_same_placeholders():
    english = catalogues()["en"]
    for key, text in english.items():
        if key.endswith(".one"):
            base = key.removesuffix(".one")
            assert base in english, key
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[base])), key


@pytest.mark.parametrize("lang", ["en", *INDIAN])
def test_money_and_numbers_group_in_lakhs_in_every_language(lang):
    assert rupees(123456700, lang) == "₹12,34,567"
    assert rupees(123456750, lang) == "₹12,34,567.50"
    assert rupees(1_000_000_000, lang) == "₹1,00,00,000"
    assert number(12345678.25, lang) == "1,23,45,678.25"
    assert number(2350, lang) == "2,350"


def test_an_unknown_language_formats_as_english():
    assert rupees(123456700, "xx") == "₹12,34,567" and number(1234567, "zz-ZZ") == "12,34,567"


# --- message templates, one file per language ---


def _template_files() -> dict[str, list[dict]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(TEMPLATES_DIR.glob("*.json"))}


def test_every_language_has_every_template_with_the_same_placeholders():
    files = _template_files()
    assert set(files) >= {"en", "hi", "mr", "pa"}
    assert set(files) <= set(catalogues()), "a template language needs a UI catalogue too"
    english = {row["key"]: row for row in files["en"]}
    for lang, rows in files.items():
        by_key = {row["key"]: row for row in rows}
        assert set(by_key) == set(english), lang
        for key, row in by_key.items():
            assert row["category"] == english[key]["category"], (lang, key)
            for part in ("subject", "text", "sms_text"):
                mine, theirs = set(PLACEHOLDER.findall(row[part])), set(PLACEHOLDER.findall(english[key][part]))
                assert mine == theirs, (lang, key, part)


@pytest.mark.parametrize("demo", demo_templates(), ids=lambda d: f"{d.language}:{d.key}")
def test_every_template_renders_and_its_sms_fits(demo):
    text = templates.render(demo.text, SAMPLE, max_chars=templates.MAX_CHARS["in_app"])
    sms = templates.render(demo.sms_text, SAMPLE, max_chars=templates.MAX_CHARS["sms"])
    subject = templates.render(demo.subject, SAMPLE, max_chars=1000)
    assert text.strip() and sms.strip() and subject.strip()
    assert "{{" not in text + sms + subject
    parts, encoding = segment_count(sms)
    assert parts <= SMS_MAX_PARTS, (demo.language, demo.key, parts, encoding, sms)
    if demo.language != "en":
        assert encoding == "UCS-2"  # Indian scripts are not GSM-7: 70 characters a part, not 160


def test_seeded_templates_compose_in_every_language(db):
    """Seeded into the real database, every (key, channel, language) is found in its own language and renders."""
    with session_scope() as session:
        assert seed_notification_templates(session) == 3 * len(demo_templates())
    with session_scope() as session:
        assert seed_notification_templates(session) == 0  # a second run adds nothing
        rows = session.exec(select(NotificationTemplate)).all()
        assert {r.language for r in rows} == {d.language for d in demo_templates()}
        for demo in demo_templates():
            composer = Composer(session, demo.key, None, None)
            for channel in ("in_app", "sms", "email"):
                content = composer.compose(channel, demo.language, SAMPLE)
                found = templates.find_template(session, demo.key, channel, demo.language)
                assert found is not None and found.language == demo.language
                assert content.template_id == found.id and content.body.strip()


# --- the glossary: names in every script, matched back from any of them ---


def test_every_glossary_name_exists_in_every_indian_language_and_reads_back():
    for kind in glossary.KINDS:
        for entry in glossary._entries()[kind]:
            assert set(entry["names"]) == set(INDIAN), (kind, entry["key"])
            for lang, name in entry["names"].items():
                assert re.search(SCRIPTS[lang], name), (kind, entry["key"], lang, name)
                assert glossary.label(kind, entry["key"], lang) == name
                assert glossary.match(kind, name) == entry["key"], (kind, lang, name)
            assert glossary.label(kind, entry["key"], "en") == entry["key"]


def test_no_two_glossary_entries_share_a_spelling():
    for kind in glossary.KINDS:
        owner: dict[str, str] = {}
        for entry in glossary._entries()[kind]:
            for name in (entry["key"], *entry["names"].values(), *entry.get("also", ())):
                assert owner.setdefault(glossary.skeleton(name), entry["key"]) == entry["key"], (kind, name)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("कांदा", "Onion"),  # Marathi
        ("ਪਿਆਜ਼", "Onion"),  # Gurmukhi
        ("ડુંગળી", "Onion"),  # Gujarati
        ("வெங்காயம்", "Onion"),  # Tamil
        ("ఉల్లిపాయ", "Onion"),  # Telugu
        ("ullipaya", "Onion"),
        ("kothumai", "Wheat"),  # Tamil said in Roman letters: கோதுமை transliterates as "ghodhumai"
        ("ਕਣਕ", "Wheat"),
        ("kanak", "Wheat"),
        ("ઘઉં", "Wheat"),
        ("గోధుమ", "Wheat"),
        ("పత్తి", "Cotton"),
        ("paruthi", "Cotton"),
        ("vankaya", "Brinjal"),
        ("મગ", "Green Gram (Moong)(Whole)"),  # Gujarati moong, not Marathi मका (maize)
        ("मका", "Maize"),
        ("kobi", "Cabbage"),  # Marathi cabbage, not Hindi gobhi (cauliflower)
        ("gobi", "Cauliflower"),
    ],
)
def test_a_crop_typed_in_any_script_or_roman_letters_is_found(typed, key):
    assert glossary.canonical("crop", typed) == key


@pytest.mark.parametrize(
    ("kind", "typed", "key"),
    [
        ("district", "நாசிக்", "Nashik"),
        ("district", "ਲੁਧਿਆਣਾ", "Ludhiana"),
        ("district", "గుంటూరు", "Guntur"),
        ("district", "અમદાવાદ", "Ahmedabad"),
        ("state", "தமிழ்நாடு", "Tamil Nadu"),
        ("state", "ਪੰਜਾਬ", "Punjab"),
        ("state", "తెలంగాణ", "Telangana"),
    ],
)
def test_places_typed_in_any_script_are_found(kind, typed, key):
    assert glossary.canonical(kind, typed) == key


# --- fonts: no tofu for any character any catalogue shows ---


@cache
def _installed_codepoints() -> frozenset[int]:
    """Every code point some installed font (fontconfig's list) has a glyph for."""
    files = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=True).stdout
    covered: set[int] = set()
    for path in {Path(f) for f in files.split() if f}:
        fonts = TTCollection(path).fonts if path.suffix.lower() == ".ttc" else [TTFont(path, lazy=True)]
        for font in fonts:
            cmap = font.getBestCmap() or {}
            covered.update(cmap)
    return frozenset(covered)


def _shown_text(lang: str) -> str:
    words = [*catalogue(lang).values(), available_languages()[lang]]
    words += [row.get(part, "") for row in _template_files().get(lang, []) for part in ("subject", "text", "sms_text")]
    if lang in INDIAN:
        words += [glossary.label(kind, e["key"], lang) for kind in glossary.KINDS for e in glossary._entries()[kind]]
    return "".join(words)


@pytest.mark.parametrize("lang", sorted(catalogues()))
def test_every_character_shown_has_a_glyph_in_an_installed_font(lang):
    """Tofu (□) appears when no font has the character. Invisible joiners and spaces need no glyph."""
    covered = _installed_codepoints()
    needed = {ord(ch) for ch in _shown_text(lang) if not ch.isspace() and ch not in "\u200c\u200d"}
    missing = sorted(f"U+{cp:04X} {chr(cp)}" for cp in needed - covered)
    assert not missing, f"{lang}: no installed font draws {missing[:20]} (see `make chromium` for the fonts)"


def test_the_language_switch_lists_every_catalogue():
    assert set(available_languages()) == set(catalogues())
    assert t("pa", "nav.language") == "ਭਾਸ਼ਾ" and t("mr", "nav.language") == "भाषा"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("mr-IN,mr;q=0.9,en;q=0.8", "mr"),
        ("pa", "pa"),
        ("xx-YY, hi;q=0.7, en;q=0.9", "en"),  # by q-value, not only order
        ("kn-IN, hi;q=0.8", "hi"),  # the first language we have
        ("hi;q=0, en", "en"),  # q=0 means "not this one"
        ("hi;q=abc, mr", "mr"),
        ("", "en"),
        (None, "en"),
        ("x," * 10_000 + "hi", "en"),  # a huge header is read only so far
    ],
)
def test_the_api_answers_in_the_best_language_the_reader_asked_for(header, lang):
    assert from_accept_language(header) == lang
