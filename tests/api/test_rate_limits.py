"""Logins are limited per account and per IP, with a clear "try again in N minutes" and Retry-After."""

import pytest

from kisaan_app.services import ratelimit
from kisaan_app.services.context import RequestMeta
from kisaan_app.services.errors import RateLimited
from tests.factories import PASSWORD, make_user
from tests.services import require_redis


def _login(api, identifier, password, ip="198.51.100.7"):
    # TestClient's peer address is fixed; vary the per-IP key through the service's RequestMeta instead.
    return api.post("/api/auth/login", json={"identifier": identifier, "password": password})


def test_account_is_locked_after_five_failures_even_with_the_right_password(api):
    user = make_user()
    for _ in range(5):
        assert _login(api, user.phone, "wrong-password").status_code == 401
    res = _login(api, user.phone, PASSWORD)
    assert res.status_code == 429
    error = res.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"] == "Too many attempts. Try again in 15 minutes."
    assert 800 < int(res.headers["Retry-After"]) <= 900
    other = make_user()
    assert _login(api, other.phone, PASSWORD).status_code == 200  # other accounts are unaffected


def test_per_ip_limit_applies_across_accounts(db, monkeypatch):
    """Failed logins from one address count together, whichever accounts they tried (successes never count)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services import accounts
    from kisaan_app.services.errors import AuthenticationFailed
    from kisaan_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "login_rate_per_ip", "3/15 minutes")
    users = [make_user() for _ in range(4)]
    meta = RequestMeta(ip="203.0.113.9")
    for user in users[:3]:
        with pytest.raises(AuthenticationFailed), session_scope() as session:
            accounts.login(session, user.phone, "wrong-password", "api", meta)
    with pytest.raises(RateLimited) as exc, session_scope() as session:
        accounts.login(session, users[3].phone, PASSWORD, "api", meta)
    assert exc.value.params["minutes"] == 15
    with session_scope() as session:  # a different address is still welcome
        accounts.login(session, users[3].phone, PASSWORD, "api", RequestMeta(ip="203.0.113.10"))


def test_limits_are_shared_through_redis_between_processes(db, monkeypatch):
    """Two limiter instances (as in two worker processes) on one Redis see the same counts."""
    import uuid

    from limits import parse

    url = require_redis()
    monkeypatch.setenv("REDIS_URL", url)
    from kisaan_app.settings import get_settings

    get_settings.cache_clear()
    ratelimit.reset_limiter()
    key = f"test-{uuid.uuid4().hex}"
    for _ in range(2):
        ratelimit.hit("2/minute", "login-account", key)
    other_process = ratelimit._made_limiter.__wrapped__()  # a second limiter made as another process makes it
    assert not other_process.test(parse("2/minute"), "login-account", key)
    with pytest.raises(RateLimited):
        ratelimit.check("2/minute", "login-account", key)
    ratelimit.clear("2/minute", "login-account", key)
    ratelimit.check("2/minute", "login-account", key)
    get_settings.cache_clear()
    ratelimit.reset_limiter()
