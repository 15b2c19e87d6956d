"""Message templates: sandboxed Jinja2 on a budget (template_budget.py); a missing variable is an error naming
it, never a blank in an SMS. Free text (a message typed without a template) is never Jinja: only plain
`{{ name }}` placeholders are filled in, anything else stays as typed."""

import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from sqlmodel import Session, col, select

from kisaan_app.models.enums import Role
from kisaan_app.models.notifications import CATEGORIES, CHANNELS, NotificationTemplate
from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.notifications.template_budget import BudgetedEnvironment, BudgetExceeded, render_within

MAX_BODY = 5000
# The most a rendered message may be, per channel (SMS: Twilio's 1,600-character body limit).
MAX_CHARS = {"email": 20_000, "in_app": 5000, "push": 2000, "sms": 1600}
MAX_TEXT_CHARS = 20_000  # free text after its placeholders are filled
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@lru_cache
def _env(html: bool) -> BudgetedEnvironment:
    # Sandboxed: templates are written by admins in the browser and must not reach Python internals.
    return BudgetedEnvironment(undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True)


@lru_cache(maxsize=512)
def _variables(body: str) -> tuple[str, ...]:
    try:
        return tuple(sorted(meta.find_undeclared_variables(_env(False).parse(body))))
    except TemplateSyntaxError as err:
        raise ValidationFailed("template_syntax", field="body", line=err.lineno or 0) from None


@lru_cache(maxsize=512)
def _compiled(body: str, html: bool):
    # A campaign renders the same body thousands of times: compile it once.
    return _env(html).from_string(body)


def variables(body: str) -> list[str]:
    """The names a template needs, sorted; raises ValidationFailed on a syntax error."""
    return list(_variables(body))


def missing(body: str, data: dict) -> list[str]:
    return [name for name in variables(body) if name not in data]


def render(body: str, data: dict, *, html: bool = False, max_chars: int = MAX_CHARS["email"]) -> str:
    """A stored template, rendered in the budgeted sandbox; every way it can fail is a ValidationFailed."""
    absent = missing(body, data)
    if absent:
        raise ValidationFailed("template_missing_variable", field=absent[0], name=", ".join(absent))
    try:
        return render_within(_compiled(body, html), data, max_chars)
    except UndefinedError as err:  # e.g. {{ farmer.village }} with no village in the data
        raise ValidationFailed("template_missing_variable", field="body", name=str(err.message)) from None
    except SecurityError:
        raise ValidationFailed("template_unsafe", field="body") from None
    except BudgetExceeded as err:
        code = "template_too_slow" if err.reason == "time" else "template_too_large"
        raise ValidationFailed(code, field="body", limit=max_chars) from None
    except (OverflowError, MemoryError, RecursionError):  # 1e308 ** 2, a macro calling itself
        raise ValidationFailed("template_too_large", field="body", limit=max_chars) from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as err:  # {{ 1 / 0 }}, {{ "a" - 1 }}
        raise ValidationFailed("template_error", field="body", reason=type(err).__name__) from None


def placeholders(text: str) -> list[str]:
    """The `{{ name }}` placeholders in free text, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def fill_text(text: str, data: dict, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Free text as typed, with its plain placeholders filled: `{{ 7*7 }}` or `{% ... %}` stay literal."""
    absent = [name for name in placeholders(text) if name not in data]
    if absent:
        raise ValidationFailed("template_missing_variable", field=absent[0], name=", ".join(absent))
    filled = PLACEHOLDER.sub(lambda m: str(data[m.group(1)]), text)
    if len(filled) > max_chars:
        raise ValidationFailed("template_too_large", field="text", limit=max_chars)
    return filled


@dataclass(frozen=True)
class TemplateView:
    id: int
    key: str
    channel: str
    language: str
    category: str
    subject: str | None
    body: str
    variables: list[str]
    html_body: str | None = None


@dataclass(frozen=True)
class Preview:
    subject: str | None
    body: str
    segments: int | None
    missing: list[str]
    html_body: str | None = None


def _view(row: NotificationTemplate) -> TemplateView:
    return TemplateView(
        row.id, row.key, row.channel, row.language, row.category, row.subject, row.body, row.variables, row.html_body
    )


def _validate(key: str, channel: str, language: str, category: str, body: str) -> None:
    if not key or len(key) > 80 or not all(part.isidentifier() for part in key.split(".")):
        raise ValidationFailed("template_key_invalid", field="key")
    if channel not in CHANNELS:
        raise ValidationFailed("channel_unknown", field="channel")
    if category not in CATEGORIES:
        raise ValidationFailed("category_unknown", field="category")
    if not language or len(language) > 8:
        raise ValidationFailed("invalid", field="language")
    if not body.strip() or len(body) > MAX_BODY:
        raise ValidationFailed("template_body_required", field="body")


def save_template(
    session: Session,
    actor: Principal,
    meta_: RequestMeta | None,
    *,
    key: str,
    channel: str,
    language: str,
    category: str,
    subject: str | None,
    body: str,
    html_body: str | None = None,
    template_id: int | None = None,
) -> NotificationTemplate:
    require_role(actor, Role.ADMIN)
    _validate(key, channel, language, category, body)
    names = sorted({*variables(body), *variables(subject or ""), *variables(html_body or "")})
    if template_id is not None:
        row = session.get(NotificationTemplate, template_id)
        if row is None:
            raise NotFound()
    else:
        row = session.exec(
            select(NotificationTemplate).where(
                NotificationTemplate.key == key,
                NotificationTemplate.channel == channel,
                NotificationTemplate.language == language,
            )
        ).first()
        row = row or NotificationTemplate(
            key=key, channel=channel, language=language, body=body, created_by_id=actor.id
        )
    row.key, row.channel, row.language, row.category = key, channel, language, category
    row.subject, row.body, row.html_body, row.variables = subject or None, body, html_body or None, names
    session.add(row)
    session.flush()
    audit.record(
        session,
        "notification.template_saved",
        actor=actor,
        meta=meta_,
        target_type="notification_template",
        target_id=row.id,
        details={"key": key, "channel": channel, "language": language},
    )
    return row


def list_templates(session: Session, actor: Principal) -> list[TemplateView]:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    rows = session.exec(
        select(NotificationTemplate).order_by(
            col(NotificationTemplate.key), col(NotificationTemplate.channel), col(NotificationTemplate.language)
        )
    ).all()
    return [_view(r) for r in rows]


def find_template(session: Session, key: str, channel: str, language: str) -> NotificationTemplate | None:
    """The template for this channel and language; else English; else the same key on another channel."""
    rows = session.exec(
        select(NotificationTemplate).where(NotificationTemplate.key == key, col(NotificationTemplate.is_active))
    ).all()

    def rank(row: NotificationTemplate) -> tuple[bool, int, int]:
        language_rank = 0 if row.language == language else 1 if row.language == "en" else 2
        return (row.channel != channel, language_rank, CHANNELS.index(row.channel))

    return min(rows, key=rank, default=None)


def preview(
    session: Session,
    actor: Principal,
    *,
    template_id: int | None = None,
    body: str | None = None,
    subject: str | None = None,
    data: dict,
    plain: bool = False,
) -> Preview:
    """Render with sample data; unknown variables are listed (and shown as {{ name }}) instead of raising.
    `plain`: the body is free text (a message typed without a template), filled as notify() would fill it."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    html_body, channel = None, None
    if template_id is not None:
        row = session.get(NotificationTemplate, template_id)
        if row is None:
            raise NotFound()
        body, subject, html_body, channel = row.body, row.subject, row.html_body, row.channel
    if not body:
        raise ValidationFailed("template_body_required", field="body")
    plain = plain and template_id is None  # a stored template is always a template
    if plain:
        absent = sorted({*placeholders(body), *placeholders(subject or "")} - set(data))
    else:
        absent = sorted({*missing(body, data), *missing(subject or "", data), *missing(html_body or "", data)})
    sample = {**{name: "{{ " + name + " }}" for name in absent}, **data}
    fill = fill_text if plain else render
    text = fill(body, sample, max_chars=MAX_CHARS.get(channel or "", MAX_CHARS["email"]))
    segments = None
    if channel in (None, "sms"):
        segments = segment_count(text)[0]  # the same counting Twilio bills by
    return Preview(
        fill(subject, sample) if subject else None,
        text,
        segments,
        absent,
        render(html_body, sample, html=True) if html_body else None,
    )
