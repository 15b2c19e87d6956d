"""SMS commands: how many of the stand-in's sample texts are understood, and how long the replies are.

    .venv/bin/python bench/sms_commands.py

Recognition: every text in sandbox/sms_fixtures.json (seven scripts and Roman Hindi) through the parser, against
a same-run baseline that knows only the English keywords and English crop names (what a plain "PRICE <CROP>"
matcher would do). Reply length: the real reply to every fixture for an English farmer, a Hindi farmer and an
unknown number, on a fresh SQLite database holding the bundled 60-day mandi sample; baseline: the same price
replies listing every market with a price (as for a farmer whose district has none), without the two-part budget.
"""

import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_DIR = Path(tempfile.mkdtemp(prefix="kisaan-sms-bench-"))
os.environ.update(
    KISAAN_ENV="test",
    KISAAN_SECRET_KEY="bench-secret-key-0123456789-0123456789",
    DATABASE_URL=f"sqlite:///{_DIR / 'bench.db'}",
    KISAAN_HUEY_PATH=str(_DIR / "huey.db"),
)
os.environ.pop("REDIS_URL", None)

from sqlmodel import select  # noqa: E402

from kisaan_app import migrations  # noqa: E402
from kisaan_app.db import session_scope  # noqa: E402
from kisaan_app.models.accounts import FarmerProfile  # noqa: E402
from kisaan_app.providers.sms_segments import segment_count  # noqa: E402
from kisaan_app.services import accounts, glossary  # noqa: E402
from kisaan_app.services.context import RequestMeta  # noqa: E402
from kisaan_app.services.feeds import price_board, prices  # noqa: E402
from kisaan_app.services.feeds.price_alerts import today_in_india  # noqa: E402
from kisaan_app.services.sms_commands import answers, language  # noqa: E402
from kisaan_app.services.sms_commands.keywords import Command, parse  # noqa: E402

FIXTURES = json.loads((ROOT / "sandbox" / "sms_fixtures.json").read_text(encoding="utf-8"))["messages"]
ENGLISH_WORDS = {
    Command.PRICE: {"price", "prices", "rate"},
    Command.ALERTS: {"alerts", "alert"},
    Command.HELP: {"help"},
    Command.STOP: {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"},
    Command.START: {"start", "unstop"},
}
ENGLISH_CROPS = {entry["key"].lower(): entry["key"] for entry in glossary._entries()["crop"]}


def baseline_parse(text: str) -> tuple[str, str | None]:
    """An English-only matcher: the first word is the command, the rest an English crop name."""
    words = text.strip().lower().split()
    if not words:
        return Command.UNKNOWN, None
    for command, known in ENGLISH_WORDS.items():
        if words[0] in known and (command != Command.STOP and command != Command.START or len(words) == 1):
            return command, ENGLISH_CROPS.get(" ".join(words[1:])) if command == Command.PRICE else None
    return Command.UNKNOWN, None


def recognition() -> None:
    ours = sum(parse(m["text"]).command == m["command"] and parse(m["text"]).crop == m["crop"] for m in FIXTURES)
    base = sum(baseline_parse(m["text"]) == (m["command"], m["crop"]) for m in FIXTURES)
    scripts = Counter(language.script_language(m["text"]) or "roman" for m in FIXTURES)
    print(f"fixtures: {len(FIXTURES)} texts ({', '.join(f'{k} {v}' for k, v in sorted(scripts.items()))})")
    print(
        f"recognised (command and crop): {ours}/{len(FIXTURES)}   baseline English-only matcher: {base}/{len(FIXTURES)}"
    )
    for m in FIXTURES:
        parsed = parse(m["text"])
        if (parsed.command, parsed.crop) != (m["command"], m["crop"]):
            print(
                f"  missed: {m['text']!r} → {parsed.command.value} {parsed.crop} (expected {m['command']} {m['crop']})"
            )


def _farmer(session, name: str, phone: str, lang: str):
    user = accounts.register(
        session,
        accounts.Registration(
            full_name=name, password="bench-password-42", role="farmer", phone=phone, district="Nashik"
        ),
        RequestMeta(ip="127.0.0.1", user_agent="bench"),
    )
    user.preferred_language = lang
    profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).one()
    profile.crops, profile.state = ["Onion", "Tomato"], "Maharashtra"
    session.add_all([user, profile])
    session.flush()
    return answers.Sender(user, profile, lang)


def reply_lengths() -> None:
    migrations.upgrade("head", url=os.environ["DATABASE_URL"])
    today = today_in_india()
    with session_scope() as session:
        prices.import_sample(session)
        senders = {"en farmer": _farmer(session, "Ravi", "+919811199901", "en")}
        senders["hi farmer"] = _farmer(session, "Meena", "+919811199902", "hi")
        parts: dict[str, Counter] = {}
        for who, sender in senders.items():
            parts[who] = Counter()
            for m in FIXTURES:
                text = answers.answer(session, parse(m["text"]), sender, today)
                parts[who][segment_count(text)] += 1
        parts["unknown number"] = Counter()
        for m in FIXTURES:
            parsed = parse(m["text"])
            unknown = answers.Sender(None, None, language.guess(m["text"], parsed))
            parts["unknown number"][segment_count(answers.answer(session, parsed, unknown, today))] += 1
        for text in ("PRICE ONION", "भाव प्याज"):
            for who in ("en farmer", "hi farmer"):
                print(f"--- {who} texts {text!r}:\n{answers.answer(session, parse(text), senders[who], today)}")
        unbounded = []
        for crop in ("Onion", "Tomato", "Wheat", "Soyabean"):
            rows = price_board.latest_prices(session, [crop], None, None, limit=500)
            if rows:
                lines = [f"{r.market} {r.arrival_date:%d %b}: ₹{r.modal_price_paise // 100}" for r in rows]
                unbounded.append(segment_count("\n".join([f"{crop} ₹/quintal:", *lines]))[0])
    print(f"reply length in SMS parts (budget {answers.MAX_SEGMENTS}), per sender, over {len(FIXTURES)} texts:")
    for who, counts in parts.items():
        shown = ", ".join(f"{n}×{seg} part(s) {enc}" for (seg, enc), n in sorted(counts.items()))
        print(f"  {who:15} max {max(seg for seg, _enc in counts)}: {shown}")
    if unbounded:
        print(
            "baseline (every market with a price, no budget): Hindi price replies of "
            f"{min(unbounded)}-{max(unbounded)} parts"
        )


if __name__ == "__main__":
    recognition()
    reply_lengths()
