"""Settings fail closed: an unknown KISAAN_ENV refuses to start; production refuses the sandbox for any
provider and a database with demo logins; dev warns when it listens beyond loopback."""

import pytest
from pydantic import ValidationError

from kisaan_app.settings import Settings

PROD_READY = {
    "env": "prod",
    "secret_key": "p" * 40,
    "razorpay_key_id": "rzp_live_x",
    "razorpay_key_secret": "s" * 24,
    "razorpay_webhook_secret": "w" * 24,
    "twilio_account_sid": "AC" + "0" * 32,
    "twilio_auth_token": "t" * 32,
    "smtp_host": "smtp.example.in",
}


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


@pytest.mark.parametrize("env", ["production", "staging", "", "Prod-ish"])
def test_an_unknown_env_refuses_to_start(env):
    with pytest.raises(ValidationError, match="KISAAN_ENV must be dev, test or prod"):
        _settings(env=env)


def test_an_unknown_env_from_the_environment_refuses_too(monkeypatch):
    monkeypatch.setenv("KISAAN_ENV", "live")
    with pytest.raises(ValidationError, match="KISAAN_ENV"):
        Settings(_env_file=None)


def test_known_envs_are_accepted_in_any_case():
    assert _settings(env="PROD", **{k: v for k, v in PROD_READY.items() if k != "env"}).is_prod
    assert _settings(env="dev").env == "dev" and _settings(env="test").env == "test"


def test_production_with_every_provider_configured_starts():
    settings = _settings(**PROD_READY)
    assert settings.is_prod and not settings.needs_sandbox


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("twilio_account_sid", "KISAAN_TWILIO_ACCOUNT_SID"),
        ("twilio_auth_token", "KISAAN_TWILIO_AUTH_TOKEN"),
        ("smtp_host", "KISAAN_SMTP_HOST"),
        ("razorpay_key_id", "KISAAN_RAZORPAY_KEY_ID"),
    ],
)
def test_production_refuses_the_sandbox_for_any_provider(missing, named):
    values = {k: v for k, v in PROD_READY.items() if k != missing}
    with pytest.raises(ValidationError, match=named):
        _settings(**values)


def test_the_suite_s_test_env_keeps_its_sandbox():
    # The choice written in settings.py: the fail-closed rules are prod's; test runs against the stand-ins.
    settings = _settings(env="test")
    assert settings.needs_sandbox and settings.payments_sandbox and settings.sms_sandbox


def test_api_docs_are_on_outside_prod_and_off_in_prod_unless_asked():
    assert _settings(env="dev").docs_enabled and _settings(env="test").docs_enabled
    assert not _settings(**PROD_READY).docs_enabled
    assert _settings(**PROD_READY, api_docs=True).docs_enabled
    assert not _settings(env="dev", api_docs=False).docs_enabled


def test_serve_binds_loopback_unless_told_or_in_prod():
    assert _settings(env="dev").bind_host == "127.0.0.1"
    assert _settings(env="test").bind_host == "127.0.0.1"
    assert _settings(**PROD_READY).bind_host == "0.0.0.0"
    assert _settings(env="dev", host="0.0.0.0").bind_host == "0.0.0.0"


def test_a_dev_serve_beyond_loopback_warns(monkeypatch):
    from kisaan_app import __main__ as cli

    for host, warns in (("0.0.0.0", True), ("192.168.1.20", True), ("127.0.0.1", False), ("localhost", False)):
        monkeypatch.setattr(cli, "get_settings", lambda host=host: _settings(env="dev", host=host))
        warning = cli.bind_warning()
        assert bool(warning) is warns, host
        if warns:
            assert host in warning and "KISAAN_HOST" in warning
    monkeypatch.setattr(cli, "get_settings", lambda: _settings(**PROD_READY))
    assert cli.bind_warning() is None  # prod listens on 0.0.0.0 behind its proxy by design


def test_seed_demo_refuses_in_prod(monkeypatch):
    from kisaan_app import seed

    monkeypatch.setattr(seed, "get_settings", lambda: _settings(**PROD_READY))
    with pytest.raises(RuntimeError, match="production"):
        seed.seed_demo(None)


def test_prod_refuses_to_serve_a_database_with_demo_logins(db, monkeypatch, capsys):
    from kisaan_app import __main__ as cli
    from kisaan_app.db import session_scope
    from kisaan_app.seed import seed_demo

    monkeypatch.setattr(cli, "get_settings", lambda: _settings(**PROD_READY))
    assert cli.serve_refusal() is None  # an empty database is fine
    with session_scope() as session:
        seed_demo(session)
    refusal = cli.serve_refusal()
    assert refusal and "demo logins" in refusal and "+919800000001" in refusal
    assert cli.cmd_serve(None) == 2  # refuses before starting anything
    assert "refusing to serve in production" in capsys.readouterr().err
    monkeypatch.setattr(cli, "get_settings", lambda: _settings(env="dev"))
    assert cli.serve_refusal() is None  # dev is where demo logins belong
