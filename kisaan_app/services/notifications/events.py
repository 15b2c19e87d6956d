"""tell(): one thing that happened, told to one person through notify(), on the channels they chose, in their
language, once.

Called inside the transaction that records the event, so the delivery rows commit (or vanish) with it and the
providers are called by the worker afterwards. The idempotency key names the event, not the call: a retried
service call, a webhook and its reconciliation, or two workers reach the same key and notify() skips the rows
that exist. An operator's stored template (admin/templates) wins; without one the words in event_texts.py are
used, SMS getting its short version.
"""

from sqlmodel import Session

from kisaan_app.models.accounts import User
from kisaan_app.services.notifications import event_texts
from kisaan_app.services.notifications.audience import Audience
from kisaan_app.services.notifications.dispatch import MAX_KEY, notify
from kisaan_app.services.notifications.templates import find_template

LONG_CHANNELS = ["in_app", "push", "email"]


def tell(
    session: Session,
    event: str,
    user: User | int | None,
    key: str,
    data: dict,
    *,
    url: str = "/",
    critical: bool = False,
) -> None:
    """`event` is a key of event_texts (e.g. market.order_created); `key` is unique to this happening."""
    person = session.get(User, user) if isinstance(user, int) else user
    if person is None or person.id is None or not person.is_active:
        return
    key = key[:MAX_KEY]
    category = event_texts.CATEGORY[event]
    words = {k: "" if v is None else str(v) for k, v in data.items()}
    audience = Audience(user_ids=(person.id,), role="")
    lang = person.preferred_language
    stored = find_template(session, event, "in_app", lang)
    if stored is not None and (stored.language == lang or (event, lang) not in event_texts.BY_KEY):
        notify(
            session,
            None,
            audience,
            category,
            template_key=event,
            data=words,
            url=url,
            critical=critical,
            idempotency_key=key,
        )
        return
    text = event_texts.text_for(event, lang)
    for channels, body in ((LONG_CHANNELS, text.text), (["sms"], text.sms)):  # SMS gets its short words
        notify(
            session,
            None,
            audience,
            category,
            subject=text.subject,
            text=body,
            channels=channels,
            data=words,
            url=url,
            critical=critical,
            idempotency_key=key,
        )


def tell_many(
    session: Session, event: str, users: list[User], key: str, data: dict, *, url: str = "/", critical: bool = False
) -> None:
    for person in users:
        tell(session, event, person, key, data, url=url, critical=critical)
