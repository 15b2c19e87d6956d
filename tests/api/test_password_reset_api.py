"""Password reset by a one-time SMS code: no account enumeration, hash only, expiry, one use, five tries."""

import re
from datetime import timedelta

from sqlmodel import col, select, update

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import PasswordResetCode
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.settings import get_settings
from tests.factories import PASSWORD, bearer, make_org, make_user, token_for

NEW_PASSWORD = "monsoon-onions-2026"


def _sms(user_id: int) -> list[NotificationHistory]:
    with session_scope() as session:
        return list(
            session.exec(
                select(NotificationHistory)
                .where(NotificationHistory.user_id == user_id, NotificationHistory.channel == "sms")
                .order_by(col(NotificationHistory.id))
            ).all()
        )


def _last_code(user_id: int) -> str:
    """The code as the SMS carries it (the delivery row the SMS task sends)."""
    found = re.search(r"\b(\d{6})\b", _sms(user_id)[-1].body)
    assert found, "the SMS carries no 6-digit code"
    return found.group(1)


def _request(api, phone: str):
    return api.post("/api/auth/password-reset/request", json={"phone": phone})


def _confirm(api, phone: str, code: str, password: str = NEW_PASSWORD):
    return api.post("/api/auth/password-reset/confirm", json={"phone": phone, "code": code, "new_password": password})


def _login(api, phone: str, password: str):
    return api.post("/api/auth/login", json={"identifier": phone, "password": password})


def test_request_answers_the_same_for_unknown_numbers_and_sends_an_sms_code(api):
    farmer = make_user("farmer")
    known, unknown = _request(api, farmer.phone), _request(api, "+919899999999")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    sms = _sms(farmer.id)
    assert len(sms) == 1 and sms[0].recipient == farmer.phone and sms[0].status == "pending"
    code = _last_code(farmer.id)
    with session_scope() as session:
        rows = session.exec(select(PasswordResetCode)).all()
        assert len(rows) == 1  # nothing for the unknown number
        assert code not in rows[0].code_hash and len(rows[0].code_hash) == 64  # only a keyed hash is kept
        assert rows[0].expires_at - utcnow() <= timedelta(minutes=get_settings().password_reset_code_minutes)
        assert (
            session.exec(select(NotificationHistory).where(NotificationHistory.recipient == "+919899999999")).all()
            == []
        )


def test_confirm_sets_the_password_revokes_sessions_once_and_is_audited(api):
    farmer = make_user("farmer")
    old_token = token_for(farmer)
    _request(api, farmer.phone)
    code = _last_code(farmer.id)
    res = _confirm(api, farmer.phone, code)
    assert res.status_code == 204
    assert api.get("/api/auth/me", headers=bearer(old_token)).status_code == 401  # signed out everywhere
    assert _login(api, farmer.phone, PASSWORD).status_code == 401
    assert _login(api, farmer.phone, NEW_PASSWORD).status_code == 200
    replay = _confirm(api, farmer.phone, code, "another-password-99")
    assert replay.status_code == 422 and replay.json()["error"]["code"] == "invalid_reset_code"
    assert code not in _sms(farmer.id)[-1].body  # the used code no longer sits in the delivery row
    with session_scope() as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "auth.password_reset")).one()
        assert entry.actor_id == farmer.id and entry.target_id == str(farmer.id)


def test_five_wrong_tries_kill_the_code(api):
    farmer = make_user("farmer")
    _request(api, farmer.phone)
    code = _last_code(farmer.id)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(get_settings().password_reset_max_attempts):
        res = _confirm(api, farmer.phone, wrong)
        assert res.status_code == 422 and res.json()["error"]["code"] == "invalid_reset_code"
    assert _confirm(api, farmer.phone, code).status_code == 422  # the right code is dead now
    assert _login(api, farmer.phone, PASSWORD).status_code == 200
    with session_scope() as session:
        assert session.exec(select(PasswordResetCode)).one().attempts == 5


def test_expired_and_superseded_codes_are_refused(api):
    farmer = make_user("farmer")
    _request(api, farmer.phone)
    first = _last_code(farmer.id)
    _request(api, farmer.phone)
    second = _last_code(farmer.id)
    if first != second:
        assert _confirm(api, farmer.phone, first).status_code == 422  # a new code replaces the old one
    with session_scope() as session:
        session.exec(update(PasswordResetCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert _confirm(api, farmer.phone, second).status_code == 422
    assert _login(api, farmer.phone, PASSWORD).status_code == 200


def test_a_weak_new_password_spends_no_try(api):
    farmer = make_user("farmer")
    _request(api, farmer.phone)
    res = _confirm(api, farmer.phone, _last_code(farmer.id), "short")
    assert res.status_code == 422 and res.json()["error"]["field"] == "new_password"
    assert _confirm(api, farmer.phone, _last_code(farmer.id)).status_code == 204


def test_requests_are_limited_per_number_and_per_address(api, monkeypatch):
    farmer = make_user("farmer")
    for _ in range(3):
        assert _request(api, farmer.phone).status_code == 202
    limited = _request(api, farmer.phone)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert len(_sms(farmer.id)) == 3
    # Unknown numbers use up their budget the same way, so the limit tells nothing either.
    for _ in range(3):
        assert _request(api, "+919877777777").status_code == 202
    assert _request(api, "+919877777777").status_code == 429

    monkeypatch.setattr(get_settings(), "password_reset_rate_per_ip", "2/hour")
    from kisaan_app.services import ratelimit

    ratelimit.reset_limiter()
    assert _request(api, "+919866666661").status_code == 202
    assert _request(api, "+919866666662").status_code == 202
    assert _request(api, "+919866666663").status_code == 429


def test_code_entries_are_limited_per_address(api, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_reset_confirm_rate_per_ip", "3/15 minutes")
    farmer = make_user("farmer")
    for _ in range(3):
        assert _confirm(api, farmer.phone, "123456").status_code == 422
    assert _confirm(api, farmer.phone, "123456").status_code == 429


def test_admin_or_own_fpo_admin_can_send_a_reset_code(api):
    nashik, pune = make_org("Nashik FPO"), make_org("Pune FPO", "Pune")
    member = make_user("farmer", org_id=nashik)
    admin = make_user("admin")
    own_admin, other_admin = make_user("org_admin", org_id=nashik), make_user("org_admin", org_id=pune)
    farmer = make_user("farmer")
    assert api.post(f"/api/users/{member.id}/password-reset", headers=bearer(token_for(farmer))).status_code == 403
    assert api.post(f"/api/users/{member.id}/password-reset", headers=bearer(token_for(other_admin))).status_code == 404
    assert _sms(member.id) == []
    res = api.post(f"/api/users/{member.id}/password-reset", headers=bearer(token_for(own_admin)))
    assert res.status_code == 202
    assert "code" not in res.json()  # the sender never sees the code
    assert api.post(f"/api/users/{member.id}/password-reset", headers=bearer(token_for(admin))).status_code == 202
    assert len(_sms(member.id)) == 2
    assert _confirm(api, member.phone, _last_code(member.id)).status_code == 204
    with session_scope() as session:
        sent = session.exec(select(AuditLog).where(AuditLog.action == "user.password_reset_sent")).all()
        assert {e.actor_id for e in sent} == {own_admin.id, admin.id}
        assert all(e.target_id == str(member.id) and e.organization_id == nashik for e in sent)
        codes = session.exec(select(PasswordResetCode).order_by(col(PasswordResetCode.id))).all()
        assert [c.requested_by_id for c in codes] == [own_admin.id, admin.id]
