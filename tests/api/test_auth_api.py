"""Register, log in, me: the happy paths and every kind of bad input, each with status, code and no write."""

from datetime import UTC, datetime, timedelta

import jwt
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import AuthSession, User
from kisaan_app.models.audit import AuditLog
from kisaan_app.services.accounts import security
from tests.factories import PASSWORD, bearer, make_user


def count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def register(api, **overrides):
    body = {
        "full_name": "Ramesh Pawar",
        "phone": "98765 43210",
        "password": "onion-season-2026",
        "role": "farmer",
        "district": "Nashik",
        "state": "Maharashtra",
    } | overrides
    return api.post("/api/auth/register", json=body)


def test_register_login_me_with_phone(api):
    res = register(api)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["user"]["phone"] == "+919876543210"  # stored as E.164
    assert body["user"]["role"] == "farmer"
    with session_scope() as session:
        user = session.exec(select(User).where(User.phone == "+919876543210")).one()
        assert user.password_hash.startswith("$argon2")
        assert "onion-season-2026" not in user.password_hash

    login = api.post("/api/auth/login", json={"identifier": "+91 98765-43210", "password": "onion-season-2026"})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = api.get("/api/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["full_name"] == "Ramesh Pawar"
    assert me.json()["district"] == "Nashik"
    assert count(AuditLog, AuditLog.action == "auth.login") == 2  # register opens a session too


def test_register_buyer_with_email_only(api):
    res = register(api, phone=None, email="Trader@Example.COM", role="buyer", full_name="Imran Traders")
    assert res.status_code == 201, res.text
    assert res.json()["user"]["email"] == "trader@example.com"
    login = api.post("/api/auth/login", json={"identifier": "trader@example.com", "password": "onion-season-2026"})
    assert login.status_code == 200


def _assert_problem(res, status: int, code: str, field: str | None = None):
    assert res.status_code == status, res.text
    error = res.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["message"] != f"error.{code}"
    if field:
        assert error["field"] == field


def test_malformed_phone_is_rejected_and_nothing_written(api):
    for phone in ("12345", "+1 415 555 0100", "98765432", "abcdefghij"):
        _assert_problem(register(api, phone=phone), 422, "invalid_phone", "phone")
    assert count(User) == 0
    assert count(AuditLog) == 0


def test_short_password_is_rejected(api):
    res = register(api, password="short")
    _assert_problem(res, 422, "password_too_short", "password")
    assert "8" in res.json()["error"]["message"]
    assert count(User) == 0


def test_duplicate_account_is_a_conflict(api):
    assert register(api).status_code == 201
    _assert_problem(register(api, phone="+919876543210", full_name="Someone Else"), 409, "account_exists")
    assert count(User) == 1


def test_self_signup_cannot_pick_admin_role(api):
    _assert_problem(register(api, role="admin"), 422, "invalid_role", "role")
    assert count(User) == 0


def test_wrong_password_is_401_and_audited(api):
    user = make_user()
    res = api.post("/api/auth/login", json={"identifier": user.phone, "password": "not-the-password"})
    _assert_problem(res, 401, "invalid_credentials")
    assert count(AuthSession) == 0
    with session_scope() as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "auth.login_failed")).one()
        assert entry.outcome == "failure" and entry.actor_label == user.phone and entry.actor_id == user.id


def test_unknown_account_gives_the_same_answer_as_a_wrong_password(api):
    res = api.post("/api/auth/login", json={"identifier": "9123456789", "password": "whatever-it-is"})
    _assert_problem(res, 401, "invalid_credentials")


def test_expired_token_is_401(api):
    user = make_user()
    with session_scope() as session:
        session.add(AuthSession(sid="expired-sid", user_id=user.id, expires_at=datetime.now(UTC) + timedelta(days=1)))
    expired = security.issue_token(user.id, "expired-sid", security.SESSION_TOKEN, timedelta(seconds=-5))
    _assert_problem(api.get("/api/auth/me", headers=bearer(expired)), 401, "not_authenticated")
    valid = security.issue_token(user.id, "expired-sid", security.SESSION_TOKEN, timedelta(minutes=5))
    assert api.get("/api/auth/me", headers=bearer(valid)).status_code == 200


def test_tampered_and_forged_tokens_are_401(api):
    user = make_user()
    token = api.post("/api/auth/login", json={"identifier": user.phone, "password": PASSWORD}).json()["access_token"]
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    _assert_problem(api.get("/api/auth/me", headers=bearer(tampered)), 401, "not_authenticated")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims | {"sub": "999999"}, "guessed-secret", algorithm="HS256")
    _assert_problem(api.get("/api/auth/me", headers=bearer(forged)), 401, "not_authenticated")
    none_alg = jwt.encode(claims, key=None, algorithm="none")
    _assert_problem(api.get("/api/auth/me", headers=bearer(none_alg)), 401, "not_authenticated")
    _assert_problem(api.get("/api/auth/me"), 401, "not_authenticated")


def test_wrong_role_is_403(api):
    farmer = make_user("farmer")
    token = api.post("/api/auth/login", json={"identifier": farmer.phone, "password": PASSWORD}).json()["access_token"]
    _assert_problem(api.get("/api/users", headers=bearer(token)), 403, "forbidden")
    _assert_problem(api.get("/api/audit", headers=bearer(token)), 403, "forbidden")


def test_logout_revokes_the_token(api):
    user = make_user()
    token = api.post("/api/auth/login", json={"identifier": user.phone, "password": PASSWORD}).json()["access_token"]
    assert api.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    _assert_problem(api.get("/api/auth/me", headers=bearer(token)), 401, "not_authenticated")


def test_change_password_signs_out_other_sessions(api):
    user = make_user()
    first = api.post("/api/auth/login", json={"identifier": user.phone, "password": PASSWORD}).json()["access_token"]
    second = api.post("/api/auth/login", json={"identifier": user.phone, "password": PASSWORD}).json()["access_token"]
    bad = api.post(
        "/api/auth/password",
        headers=bearer(first),
        json={"current_password": "wrong-one-123", "new_password": "new-password-1"},
    )
    _assert_problem(bad, 422, "wrong_current_password", "current_password")
    ok = api.post(
        "/api/auth/password",
        headers=bearer(first),
        json={"current_password": PASSWORD, "new_password": "new-password-1"},
    )
    assert ok.status_code == 204
    assert api.get("/api/auth/me", headers=bearer(first)).status_code == 200
    assert api.get("/api/auth/me", headers=bearer(second)).status_code == 401
    assert api.post("/api/auth/login", json={"identifier": user.phone, "password": PASSWORD}).status_code == 401
    assert api.post("/api/auth/login", json={"identifier": user.phone, "password": "new-password-1"}).status_code == 200


def test_browser_ticket_sets_httponly_cookie_once(api):
    from kisaan_app.services import accounts

    user = make_user()
    token = api.post("/api/auth/login", json={"identifier": user.phone, "password": PASSWORD}).json()["access_token"]
    ticket = accounts.login_ticket(token)
    res = api.get("/api/auth/session", params={"ticket": ticket, "next": "//evil.example/x"}, follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"] == "/"  # no open redirect
    cookie = res.headers["set-cookie"]
    assert "kisaan_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    again = api.get("/api/auth/session", params={"ticket": ticket}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login?error=invalid_token"
    # The cookie authenticates the API as well.
    api.cookies.clear()
    session_token = cookie.split("kisaan_session=")[1].split(";")[0]
    assert api.get("/api/auth/me", cookies={"kisaan_session": session_token}).status_code == 200


def test_validation_errors_share_the_error_shape(api):
    res = api.post("/api/auth/login", json={"identifier": "x"})
    _assert_problem(res, 422, "invalid_request", "password")
    missing = api.get("/api/no-such-thing")
    _assert_problem(missing, 404, "not_found")


def test_hindi_error_messages_on_request(api):
    res = api.post(
        "/api/auth/login",
        json={"identifier": "9123456789", "password": "whatever-it-is"},
        headers={"Accept-Language": "hi-IN,hi;q=0.9"},
    )
    assert res.json()["error"]["message"] == "मोबाइल नंबर/ईमेल या पासवर्ड गलत है।"
