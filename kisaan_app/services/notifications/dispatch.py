"""notify(): resolve people and channels, write one delivery row each BEFORE any provider call, enqueue sends.

In-app rows are delivered at once (services/inbox). The others are `pending` and go to huey only after the
transaction commits, so a worker never looks for a row that is not there yet, and a rollback sends nothing.
"""

import html
import logging
import uuid
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from kisaan_app import jobs
from kisaan_app.models.accounts import User
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import CATEGORIES, CHANNELS, NotificationHistory, NotificationTemplate
from kisaan_app.services import inbox
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.notifications import templates
from kisaan_app.services.notifications.audience import ID_CHUNK, Audience, Reach, resolve

log = logging.getLogger(__name__)
MAX_KEY = 80  # room for a caller's own key (64) in its namespace (caller_keys.py); rows add user and channel


@dataclass
class NotifyResult:
    batch_id: str
    deliveries: dict[str, int]  # new rows per channel
    skipped: int  # recipients who got nothing new (no wanted channel, no contact, or already sent)
    delivery_ids: list[int] = field(default_factory=list)  # the provider rows enqueued (not in-app)
    recipients: int = 0


@dataclass(frozen=True)
class Content:
    subject: str | None
    body: str
    html_body: str | None
    template_id: int | None


class Composer:
    """Renders each (channel, language) once per person; templates are looked up once per pair."""

    def __init__(self, session: Session, template_key: str | None, subject: str | None, text: str | None) -> None:
        if not template_key and not (text or "").strip():
            raise ValidationFailed("message_required", field="text")
        self.session, self.key, self.subject, self.text = session, template_key, subject, text
        self._templates: dict[tuple[str, str], NotificationTemplate] = {}

    def _template(self, channel: str, language: str) -> NotificationTemplate:
        pair = (channel, language)
        if pair not in self._templates:
            found = templates.find_template(self.session, self.key or "", channel, language)
            if found is None:
                raise ValidationFailed("template_not_found", field="template_key", key=self.key)
            self._templates[pair] = found
        return self._templates[pair]

    def compose(self, channel: str, language: str, data: dict) -> Content:
        if not self.key:  # free text is never Jinja: only its {{ name }} placeholders are filled
            text = templates.fill_text(self.text or "", data)
            subject = templates.fill_text(self.subject, data)[:200] if self.subject else None
            rich = "<p>" + html.escape(text).replace("\n", "<br>") + "</p>" if channel == "email" else None
            return Content(subject, text, rich, None)
        tpl = self._template(channel, language)
        cap = templates.MAX_CHARS.get(channel, templates.MAX_CHARS["email"])
        text = templates.render(tpl.body, data, max_chars=cap)
        if tpl.html_body:
            rich = templates.render(tpl.html_body, data, html=True, max_chars=templates.MAX_CHARS["email"])
        elif channel == "email":
            rich = "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
        else:
            rich = None
        subject = templates.render(tpl.subject, data, max_chars=1000)[:200] if tpl.subject else None
        return Content(subject, text, rich, tpl.id)


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), ID_CHUNK):
        chunk = keys[start : start + ID_CHUNK]
        found.update(
            session.exec(
                select(NotificationHistory.idempotency_key).where(col(NotificationHistory.idempotency_key).in_(chunk))
            ).all()
        )
    return found


def _validate(category: str, channels: list[str], idempotency_key: str | None) -> None:
    if category not in CATEGORIES:
        raise ValidationFailed("category_unknown", field="category")
    if not channels or any(c not in CHANNELS for c in channels):
        raise ValidationFailed("channel_unknown", field="channels")
    if idempotency_key is not None and not (0 < len(idempotency_key) <= MAX_KEY):
        raise ValidationFailed("invalid", field="idempotency_key")


def notify(
    session: Session,
    actor: Principal | None,
    audience: Audience,
    category: str,
    *,
    template_key: str | None = None,
    subject: str | None = None,
    text: str | None = None,
    data: dict | None = None,
    channels: list[str] | None = None,
    critical: bool = False,
    idempotency_key: str | None = None,
    url: str = "/",
    batch_id: str | None = None,
) -> NotifyResult:
    channels = list(channels or CHANNELS)
    _validate(category, channels, idempotency_key)
    composer = Composer(session, template_key, subject, text)
    users = resolve(session, actor, audience)
    reach = Reach.load(session, users)
    base = idempotency_key or f"n:{uuid.uuid4().hex}"
    batch = batch_id or base[:40]
    plan = [
        (user, channel, recipient, f"{base}:{user.id}:{suffix}")
        for user in users
        for channel in channels
        for recipient, suffix in reach.targets(user, channel, category, critical)
    ]
    done = existing_keys(session, [key for *_rest, key in plan])
    result = NotifyResult(batch, {c: 0 for c in channels}, 0, recipients=len(users))
    reached: set[int] = set()
    provider_rows: list[NotificationHistory] = []
    for user, channel, recipient, key in plan:
        if key in done:
            continue
        content = composer.compose(channel, user.preferred_language, {**reach.variables(user), **(data or {})})
        row = _write(session, user, channel, recipient, key, content, category, critical, url, batch)
        result.deliveries[channel] += 1
        reached.add(user.id)
        if channel != "in_app":
            provider_rows.append(row)
    session.flush()  # one batched INSERT for the provider rows: a campaign chunk writes hundreds
    result.delivery_ids = [row.id for row in provider_rows]
    result.skipped = len(users) - len(reached)
    enqueue_on_commit(session, result.delivery_ids)
    return result


def _write(
    session: Session,
    user: User,
    channel: str,
    recipient: str,
    key: str,
    content: Content,
    category: str,
    critical: bool,
    url: str,
    batch: str,
) -> NotificationHistory:
    if channel == "in_app":
        row = inbox.add(
            session,
            user.id,
            category=category,
            title=content.subject or content.body[:80],
            body=content.body,
            url=url,
            critical=critical,
            idempotency_key=key,
        )
    else:
        data = {"url": url, **({"html": content.html_body} if content.html_body else {})}
        row = NotificationHistory(
            idempotency_key=key,
            user_id=user.id,
            channel=channel,
            category=category,
            is_critical=critical,
            recipient=recipient,
            language=user.preferred_language,
            subject=content.subject,
            body=content.body,
            data=data,
            status=DeliveryStatus.PENDING,
        )
    row.organization_id, row.template_id, row.batch_id = user.organization_id, content.template_id, batch
    session.add(row)
    return row


def enqueue_on_commit(session: Session, delivery_ids: list[int]) -> None:
    """Send these delivery rows once this transaction commits (the rows exist before any provider call)."""
    if delivery_ids:
        jobs.enqueue_on_commit(session, "notifications.deliver", list(delivery_ids))
