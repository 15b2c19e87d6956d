"""Abuse limits: login failures are counted atomically before the password check (parallel guesses cannot
run past the budget), successes never count (a carrier NAT full of farmers is not locked out), and sign-up is
limited per address and per number."""

import threading

from kisaan_app.db import session_scope
from kisaan_app.services import accounts, ratelimit
from kisaan_app.services.context import RequestMeta
from kisaan_app.services.errors import AuthenticationFailed, RateLimited
from kisaan_app.settings import get_settings
from tests.factories import PASSWORD, make_user
from tests.services import require_redis


def _attempt(phone: str, password: str, ip: str) -> str:
    try:
        with session_scope() as session:
            accounts.login(session, phone, password, "api", RequestMeta(ip=ip))
    except AuthenticationFailed:
        return "wrong"
    except RateLimited:
        return "limited"
    return "ok"


def _in_parallel(jobs: list[tuple[str, str, str]]) -> list[str]:
    barrier = threading.Barrier(len(jobs))
    results: list[str] = [""] * len(jobs)

    def run(i: int, phone: str, password: str, ip: str) -> None:
        barrier.wait()
        results[i] = _attempt(phone, password, ip)

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_successful_logins_behind_one_address_use_no_budget(db, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_rate_per_ip", "3/15 minutes")
    farmers = [make_user() for _ in range(8)]
    nat = "100.64.0.1"  # one carrier-grade NAT address for a whole village
    for _ in range(2):
        assert [_attempt(f.phone, PASSWORD, nat) for f in farmers] == ["ok"] * 8
    # Failures do count, and then the address is refused even with right passwords.
    assert [_attempt(f.phone, "wrong-password", nat) for f in farmers[:3]] == ["wrong"] * 3
    assert _attempt(farmers[3].phone, PASSWORD, nat) == "limited"
    assert _attempt(farmers[3].phone, PASSWORD, "100.64.0.2") == "ok"


def test_a_success_does_not_count_against_the_account(db):
    farmer = make_user()
    for _ in range(4):
        assert _attempt(farmer.phone, "wrong-password", "192.0.2.1") == "wrong"
    for _ in range(10):
        assert _attempt(farmer.phone, PASSWORD, "192.0.2.1") == "ok"
    assert _attempt(farmer.phone, "wrong-password", "192.0.2.1") == "wrong"
    assert _attempt(farmer.phone, PASSWORD, "192.0.2.1") == "limited"  # five failures: locked


def test_parallel_wrong_guesses_cannot_exceed_the_account_budget(db):
    farmer = make_user()
    results = _in_parallel([(farmer.phone, f"guess-{i}-password", f"198.51.100.{i}") for i in range(12)])
    assert results.count("wrong") == 5, results  # login_rate_per_account = 5/15 minutes
    assert results.count("limited") == 7
    assert _attempt(farmer.phone, PASSWORD, "198.51.100.200") == "limited"


def test_parallel_wrong_guesses_cannot_exceed_the_address_budget(db, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_rate_per_ip", "4/15 minutes")
    farmers = [make_user() for _ in range(10)]
    results = _in_parallel([(f.phone, "wrong-password", "203.0.113.50") for f in farmers])
    assert results.count("wrong") == 4, results
    assert results.count("limited") == 6


def test_parallel_guesses_share_one_budget_through_redis(db, monkeypatch):
    import random

    monkeypatch.setenv("REDIS_URL", require_redis())
    get_settings.cache_clear()
    ratelimit.reset_limiter()
    try:
        farmer = make_user(phone=f"+9197{random.randrange(10**8):08d}")  # Redis outlives the run: a fresh key
        results = _in_parallel([(farmer.phone, f"guess-{i}-password", f"198.51.100.{i}") for i in range(10)])
        assert results.count("wrong") == 5, results
    finally:
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()
        ratelimit.reset_limiter()


def _register(api, phone: str):
    body = {"full_name": "New Farmer", "phone": phone, "password": "onion-season-2026"}
    return api.post("/api/auth/register", json=body)


def test_sign_up_is_limited_per_address(api, monkeypatch):
    monkeypatch.setattr(get_settings(), "register_rate_per_ip", "3/hour")
    for i in range(3):
        assert _register(api, f"+91981234560{i}").status_code == 201
    res = _register(api, "+919812345609")
    assert res.status_code == 429 and res.json()["error"]["code"] == "rate_limited"
    assert int(res.headers["Retry-After"]) > 0


def test_sign_up_is_limited_per_number(api):
    phone = "+919812345670"
    assert _register(api, phone).status_code == 201
    assert _register(api, phone).status_code == 409  # taken
    assert _register(api, phone).status_code == 409
    assert _register(api, phone).status_code == 429  # register_rate_per_phone = 3/hour
