"""Escalation respects opt-outs: critical alerts skip quiet hours, never a farmer's choice to get no SMS."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.services import accounts
from kisaan_app.services.notifications import Audience, notify, preferences
from kisaan_app.services.notifications.escalation import escalate_unread
from kisaan_app.settings import get_settings
from tests.notifications_support import person, rows


def _alert(user_ids: list[int]) -> None:
    with session_scope() as session:
        notify(
            session,
            None,
            Audience(user_ids=tuple(user_ids), role=""),
            "weather",
            text="Red alert: cyclone",
            channels=["in_app"],
            critical=True,
        )


def _prefer(user_id: int, channels: dict, quiet: tuple[str, str] | None = None) -> None:
    with session_scope() as session:
        principal = accounts.to_principal(session.get(accounts.User, user_id))
        start, end = quiet or (None, None)
        preferences.save_preferences(session, principal, channels=channels, quiet_start=start, quiet_end=end)


def _escalate() -> int:
    later = utcnow() + timedelta(minutes=get_settings().escalate_after_minutes + 1)
    with session_scope() as session:
        return escalate_unread(session, now=later)


def test_a_farmer_who_turned_sms_off_gets_no_escalation_sms(db):
    opted_out = person(phone="+919812340001")
    _prefer(opted_out.id, {"weather": ["in_app", "push"]})
    _alert([opted_out.id])

    assert _escalate() == 0
    assert rows(channel="sms") == []


def test_quiet_hours_do_not_hold_back_the_escalation_but_the_opt_out_is_per_person(db):
    now = datetime.now(ZoneInfo("Asia/Kolkata"))
    quiet = ((now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=3)).strftime("%H:%M"))
    sleeping, opted_out = person(phone="+919812340002"), person(phone="+919812340003")
    _prefer(sleeping.id, {"weather": ["in_app", "sms"]}, quiet)
    _prefer(opted_out.id, {"weather": ["in_app"]}, quiet)
    _alert([sleeping.id, opted_out.id])

    assert _escalate() == 1
    (sms_row,) = rows(channel="sms")
    assert (sms_row.user_id, sms_row.recipient, sms_row.is_critical) == (sleeping.id, sleeping.phone, True)


def test_a_farmer_who_texted_stop_gets_no_escalation_sms(db):
    from kisaan_app.services.notifications.sms_consent import set_consent

    stopped, listening = person(phone="+919812340004"), person(phone="+919812340005")
    for user in (stopped, listening):
        _prefer(user.id, {"weather": ["in_app", "sms"]})
    with session_scope() as session:
        assert set_consent(session, stopped.phone, opted_out=True, keyword="STOP", user_id=stopped.id)
        assert not set_consent(session, stopped.phone, opted_out=True, keyword="STOP", user_id=stopped.id)
    _alert([stopped.id, listening.id])

    assert _escalate() == 1
    assert [r.recipient for r in rows(channel="sms")] == [listening.phone]
