"""Settings refuse unsafe production values; tokens are typed and signed."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from kisaan_app.services.accounts import security
from kisaan_app.settings import Settings


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.delenv("KISAAN_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="KISAAN_SECRET_KEY"):
        Settings(env="prod", _env_file=None)
    with pytest.raises(ValidationError):
        Settings(env="prod", secret_key="too-short", _env_file=None)
    keys = {"razorpay_key_id": "rzp_live_x", "razorpay_key_secret": "s" * 24, "razorpay_webhook_secret": "w" * 24}
    keys |= {"twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "t" * 32, "smtp_host": "smtp.example.in"}
    ok = Settings(env="prod", secret_key="x" * 40, _env_file=None, **keys)
    assert ok.is_prod and not ok.payments_sandbox


def test_production_refuses_to_take_payments_in_the_sandbox():
    with pytest.raises(ValidationError, match="KISAAN_RAZORPAY_KEY_ID"):
        Settings(env="prod", secret_key="x" * 40, _env_file=None)
    assert Settings(env="dev", _env_file=None).payments_sandbox


def test_database_and_redis_urls_come_from_the_usual_names(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://h:6379/1")
    settings = Settings(_env_file=None)
    assert settings.database_url == "postgresql+psycopg2://u@h/db"
    assert settings.redis_url == "redis://h:6379/1"


def test_a_login_ticket_is_not_a_session_token():
    ticket = security.issue_token(1, "sid", security.LOGIN_TICKET, timedelta(minutes=1))
    assert security.decode_token(ticket, security.SESSION_TOKEN) is None
    assert security.decode_token(ticket, security.LOGIN_TICKET).session_id == "sid"


def test_password_hashes_verify_and_never_match_a_missing_account():
    hashed = security.hash_password("correct-horse")
    assert security.verify_password(hashed, "correct-horse")
    assert not security.verify_password(hashed, "wrong-horse")
    assert not security.verify_password(None, "correct-horse")
    assert not security.verify_password("not-a-hash", "correct-horse")
