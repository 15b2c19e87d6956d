"""SMS commands without a database: which command each fixture text asks for, the reader's language, and that
every reply fits in two SMS parts in English and Hindi."""

import json
from pathlib import Path

import pytest

from kisaan_app.i18n import catalogues, t
from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.services import glossary
from kisaan_app.services.sms_commands import answers, language
from kisaan_app.services.sms_commands.keywords import KEYWORDS, Command, parse

FIXTURES = json.loads((Path(__file__).parents[2] / "sandbox" / "sms_fixtures.json").read_text(encoding="utf-8"))
MESSAGES = FIXTURES["messages"]


@pytest.mark.parametrize("message", MESSAGES, ids=[m["text"] for m in MESSAGES])
def test_each_fixture_text_asks_for_its_command_and_crop(message):
    parsed = parse(message["text"])
    assert parsed.command == message["command"]
    assert parsed.crop == message["crop"]


def test_an_unknown_number_is_answered_in_the_script_it_wrote_in():
    for message in MESSAGES:
        expected = message["language"]
        if expected not in catalogues():  # Marathi in Devanagari reads Hindi until its catalogue arrives
            expected = "hi" if language.script_language(message["text"]) == "hi" else "en"
        assert language.guess(message["text"], parse(message["text"])) == expected, message["text"]


def test_no_two_commands_share_a_word_once_spellings_are_folded():
    owners: dict[str, Command] = {}
    for command, words in KEYWORDS.items():
        for word, _lang in words:
            folded = glossary.skeleton(word)
            assert folded, word
            assert owners.setdefault(folded, command) == command, f"{word} is also a {owners[folded]} word"


def test_stop_and_start_count_only_as_the_whole_message():
    assert parse("STOP").command == Command.STOP
    assert parse("  stop!  ").command == Command.STOP
    assert parse("stop the hail alerts").command == Command.UNKNOWN
    assert parse("start selling onion").command == Command.UNKNOWN
    assert parse("").command == Command.UNKNOWN


LONG_VALUES = {
    "crop": "Soyabean",
    "market": "Lasalgaon(Vinchur)",
    "day": "30 Sept",
    "modal": "12,34,500",
    "low": "11,00,000",
    "high": "13,00,000",
    "district": "Chhatrapati Sambhajinagar",
    "severity": "Orange",
    "title": "Heavy rain and hail",
    "until": "30 Sept 23:30",
    "url": "kisaansay.example.in",
}


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_every_reply_text_fits_in_two_sms_parts(lang):
    keys = [k for k in catalogues()["en"] if k.startswith("sms.")]
    assert len(keys) >= 14
    for key in keys:
        text = t(lang, key, **LONG_VALUES)
        assert "{" not in text, key
        assert segment_count(text)[0] <= answers.MAX_SEGMENTS, (key, text)
    # English stays in GSM-7 (no "₹"), so a help text costs one part, not three.
    if lang == "en":
        assert all(segment_count(t("en", k, **LONG_VALUES))[1] == "GSM-7" for k in keys)


def test_fit_cuts_at_a_word_and_within_keeps_whole_lines():
    long = "प्याज़ " * 60
    cut = answers.fit(long)
    assert segment_count(cut)[0] == 2 and cut.endswith("...") and cut.removesuffix("...").strip().endswith("प्याज़")
    lines = [f"Market {i} 7 Dec: Rs 1,800 (1,500-2,100)" for i in range(20)]
    text = answers.within("Onion, Rs/quintal:", lines, "none")
    assert segment_count(text)[0] <= 2 and text.count("\n") == len(text.splitlines()) - 1
    assert all(line in lines for line in text.splitlines()[1:])
    assert answers.within("head", [], "No Onion price.") == "No Onion price."
