"""Who wants what, where: channels per category and quiet hours (Asia/Kolkata); critical alerts ignore quiet hours."""

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import CATEGORIES, CHANNELS, NotificationPreference, PushSubscription
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound, ValidationFailed

DEFAULT_CHANNELS: dict[str, list[str]] = {
    "weather": ["in_app", "push", "sms"],
    "prices": ["in_app", "push"],
    "market": ["in_app", "push"],
    "payments": ["in_app", "push", "sms", "email"],
    "crop_health": ["in_app", "push", "sms"],  # a sensor alarm, advice on a case, an escalation
    "account": ["in_app", "sms"],  # the welcome that says how to sign in: a new member has no app yet
    "system": ["in_app", "push"],
}
QUIET_CHANNELS = ("push", "sms", "email")  # in-app is silent, so it is never held back
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class PreferencesView:
    channels: dict[str, list[str]]
    quiet_start: str | None
    quiet_end: str | None
    has_push_device: bool
    phone: str | None
    email: str | None


def category_channels(row: NotificationPreference | None, category: str) -> list[str]:
    chosen = (row.channels if row else {}).get(category, DEFAULT_CHANNELS.get(category, ["in_app"]))
    return ["in_app", *[c for c in CHANNELS if c != "in_app" and c in chosen]]


def in_quiet_hours(row: NotificationPreference | None, now: datetime | None = None) -> bool:
    if row is None or row.quiet_hours_start is None or row.quiet_hours_end is None:
        return False
    local = (now or utcnow()).astimezone(ZoneInfo(row.timezone or "Asia/Kolkata")).time()
    start, end = row.quiet_hours_start, row.quiet_hours_end
    # 22:00–06:00 wraps midnight; 13:00–15:00 does not.
    return start <= local < end if start < end else (local >= start or local < end)


def allowed_channels(
    row: NotificationPreference | None, category: str, critical: bool, now: datetime | None = None
) -> list[str]:
    """The person's channels for this category, less the noisy ones during their quiet hours."""
    chosen = category_channels(row, category)
    if critical or not in_quiet_hours(row, now):
        return chosen
    return [c for c in chosen if c not in QUIET_CHANNELS]


def _row(session: Session, user_id: int) -> NotificationPreference | None:
    return session.exec(select(NotificationPreference).where(NotificationPreference.user_id == user_id)).first()


def channels_for(session: Session, user: User, category: str, critical: bool, now: datetime | None = None) -> list[str]:
    return allowed_channels(_row(session, user.id), category, critical, now)


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def get_preferences(session: Session, user_id: int) -> PreferencesView:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    row = _row(session, user_id)
    devices = session.exec(select(func.count()).where(PushSubscription.user_id == user_id)).one()
    return PreferencesView(
        channels={category: category_channels(row, category) for category in CATEGORIES},
        quiet_start=_hhmm(row.quiet_hours_start) if row else None,
        quiet_end=_hhmm(row.quiet_hours_end) if row else None,
        has_push_device=devices > 0,
        phone=user.phone,
        email=user.email,
    )


def _parse_time(value: str | None, field: str) -> time | None:
    if not value:
        return None
    if not HHMM.match(value):
        raise ValidationFailed("invalid_time", field=field)
    return time.fromisoformat(value)


def save_preferences(
    session: Session, actor: Principal, *, channels: dict, quiet_start: str | None, quiet_end: str | None
) -> PreferencesView:
    """Each person sets their own; unknown categories or channels are refused rather than ignored."""
    cleaned: dict[str, list[str]] = {}
    for category, chosen in channels.items():
        if category not in CATEGORIES:
            raise ValidationFailed("category_unknown", field="channels")
        if not isinstance(chosen, list) or any(c not in CHANNELS for c in chosen):
            raise ValidationFailed("channel_unknown", field=f"channels.{category}")
        cleaned[category] = ["in_app", *[c for c in CHANNELS if c != "in_app" and c in chosen]]
    start, end = _parse_time(quiet_start, "quiet_start"), _parse_time(quiet_end, "quiet_end")
    if (start is None) != (end is None) or (start is not None and start == end):
        raise ValidationFailed("quiet_hours_incomplete", field="quiet_end")
    row = _row(session, actor.id) or NotificationPreference(user_id=actor.id)
    row.channels = {**(row.channels or {}), **cleaned}
    row.quiet_hours_start, row.quiet_hours_end = start, end
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_preferences(session, actor.id)
