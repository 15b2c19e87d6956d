"""Demo message templates, one JSON file per language in kisaan_app/data/templates/<lang>.json (in-app text
also serves push; SMS kept short; email with HTML). Adding a file adds that language's templates."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from kisaan_app.models.notifications import NotificationTemplate
from kisaan_app.services.notifications import event_texts

TEMPLATES_DIR = Path(__file__).parent / "data" / "templates"
FIELDS = ("key", "category", "subject", "text", "sms_text")


@dataclass(frozen=True)
class DemoTemplate:
    key: str
    category: str
    language: str
    subject: str
    text: str  # in-app, push and the email's words
    sms_text: str


@lru_cache
def demo_templates() -> tuple[DemoTemplate, ...]:
    """Every language file's templates; a file missing a field fails loudly here, not at send time."""
    found: list[DemoTemplate] = []
    for path in sorted(TEMPLATES_DIR.glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            missing = [f for f in FIELDS if not isinstance(row.get(f), str)]
            if missing:
                raise ValueError(f"{path.name}: template {row.get('key')!r} lacks {missing}")
            found.append(DemoTemplate(language=path.stem, **{f: row[f] for f in FIELDS}))
    # Every event's message (bids, orders, payments, crop cases, welcomes): services/notifications/event_texts.py
    have = {(t.key, t.language) for t in found}
    found += [
        DemoTemplate(e.key, e.category, e.language, e.subject, e.text, e.sms)
        for e in event_texts.TEXTS
        if (e.key, e.language) not in have
    ]
    return tuple(found)


def _email_html(text: str) -> str:
    return (
        '<div style="font-family:sans-serif;max-width:560px">'
        f'<p style="font-size:16px">{text}</p>'
        '<p style="color:#555;font-size:12px">Kisaansay · किसानसे</p></div>'
    )


def seed_notification_templates(session: Session) -> int:
    """Add the demo templates that are missing; returns how many were added (0 on a second run)."""
    from kisaan_app.services.notifications.templates import variables

    have = set(
        session.exec(select(NotificationTemplate.key, NotificationTemplate.channel, NotificationTemplate.language))
    )
    added = 0
    for demo in demo_templates():
        for channel, body, html_body in (
            ("in_app", demo.text, None),
            ("sms", demo.sms_text, None),
            ("email", demo.text, _email_html(demo.text)),
        ):
            if (demo.key, channel, demo.language) in have:
                continue
            names = sorted({*variables(body), *variables(demo.subject), *variables(html_body or "")})
            session.add(
                NotificationTemplate(
                    key=demo.key,
                    channel=channel,
                    language=demo.language,
                    category=demo.category,
                    subject=demo.subject,
                    body=body,
                    html_body=html_body,
                    variables=names,
                )
            )
            added += 1
    return added
