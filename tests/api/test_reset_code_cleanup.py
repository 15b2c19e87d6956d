"""Reset-code housekeeping (issue 11): an expired code's SMS text is blanked once the SMS is final, a live code's
text is left for the worker and the reader, and code rows go a day after they expire; the periodic job does it."""

from datetime import timedelta

from sqlmodel import select, update

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import PasswordResetCode
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import reset_cleanup
from kisaan_app.tasks.sessions import clean_up_reset_codes
from tests.api.test_password_reset_api import _confirm, _last_code, _request, _sms
from tests.factories import make_user


def _set_sms_status(user_id: int, status: str) -> None:
    with session_scope() as session:
        session.exec(update(NotificationHistory).where(NotificationHistory.user_id == user_id).values(status=status))


def _age_codes(user_id: int, by: timedelta) -> None:
    with session_scope() as session:
        for row in session.exec(select(PasswordResetCode).where(PasswordResetCode.user_id == user_id)).all():
            row.expires_at -= by
            session.add(row)


def _codes(user_id: int) -> list[PasswordResetCode]:
    with session_scope() as session:
        return list(session.exec(select(PasswordResetCode).where(PasswordResetCode.user_id == user_id)).all())


def test_an_expired_code_stops_being_readable_once_its_sms_is_final(api):
    expired, live, unsent = make_user("farmer"), make_user("farmer"), make_user("farmer")
    for person in (expired, live, unsent):
        assert _request(api, person.phone).status_code == 202
    codes = {person.id: _last_code(person.id) for person in (expired, live, unsent)}
    _set_sms_status(expired.id, "delivered")
    _set_sms_status(live.id, "delivered")
    _age_codes(expired.id, timedelta(minutes=11))  # past its 10 minutes
    _age_codes(unsent.id, timedelta(minutes=11))  # expired too, but its SMS is still pending: the worker reads it

    assert clean_up_reset_codes.call_local() == (1, 0)  # the periodic job's own body

    assert codes[expired.id] not in _sms(expired.id)[0].body
    assert _sms(expired.id)[0].body == reset_cleanup.spent_text()
    assert codes[live.id] in _sms(live.id)[0].body  # still usable: left alone
    assert codes[unsent.id] in _sms(unsent.id)[0].body
    confirm = _confirm(api, expired.phone, codes[expired.id])
    assert confirm.status_code == 422  # and the blanking did not revive anything
    _set_sms_status(unsent.id, "failed")
    assert clean_up_reset_codes.call_local() == (1, 0)
    assert codes[unsent.id] not in _sms(unsent.id)[0].body
    assert clean_up_reset_codes.call_local() == (0, 0)  # idempotent


def test_code_rows_are_deleted_a_day_after_they_expire_and_their_sms_stays_blank(api):
    old, recent = make_user("farmer"), make_user("farmer")
    for person in (old, recent):
        _request(api, person.phone)
        _set_sms_status(person.id, "sent")
    _age_codes(old.id, timedelta(days=1, minutes=11))
    _age_codes(recent.id, timedelta(hours=2))
    with session_scope() as session:
        redacted, purged = reset_cleanup.clean_up(session)
    assert (redacted, purged) == (2, 1)
    assert _codes(old.id) == [] and len(_codes(recent.id)) == 1
    for person in (old, recent):
        assert _sms(person.id)[0].body == reset_cleanup.spent_text()


def test_a_used_code_is_blanked_at_once_and_the_job_leaves_other_messages_alone(api):
    farmer = make_user("farmer")
    _request(api, farmer.phone)
    code = _last_code(farmer.id)
    assert _confirm(api, farmer.phone, code).status_code == 204
    assert code not in _sms(farmer.id)[0].body
    with session_scope() as session:  # an ordinary SMS that happens to be delivered and contain digits
        session.add(
            NotificationHistory(
                idempotency_key=f"n:other:{farmer.id}:sms",
                user_id=farmer.id,
                channel="sms",
                category="system",
                recipient=farmer.phone,
                language="en",
                body="Your order 123456 is on its way",
                status="delivered",
                created_at=utcnow(),
            )
        )
    with session_scope() as session:
        reset_cleanup.clean_up(session)
    assert _sms(farmer.id)[-1].body == "Your order 123456 is on its way"
