"""Any address (issue 13): outside prod the app trusts the address a request came to (127.0.0.1, the LAN IP a
phone opens), in prod only KISAAN_PUBLIC_URL and KISAAN_EXTRA_ORIGINS. Cookie-authenticated writes from any
other origin stay refused (the /_event socket's half is tests/integration/test_socket_origins.py)."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from kisaan_app.api.edge.origins import own_origins
from kisaan_app.settings import Settings
from tests.factories import make_user, token_for

LAN = "192.0.2.2:3000"
PUBLIC = "https://kisaansay.example"
EXTRA = "https://www.kisaansay.example"
PROD_KEYS = {
    "KISAAN_ENV": "prod",
    "KISAAN_SECRET_KEY": "p" * 40,
    "KISAAN_RAZORPAY_KEY_ID": "rzp_live_x",
    "KISAAN_RAZORPAY_KEY_SECRET": "s" * 24,
    "KISAAN_RAZORPAY_WEBHOOK_SECRET": "w" * 24,
    "KISAAN_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "KISAAN_TWILIO_AUTH_TOKEN": "t" * 32,
    "KISAAN_SMTP_HOST": "smtp.example.in",
    "KISAAN_PUBLIC_URL": PUBLIC,
    "KISAAN_EXTRA_ORIGINS": f" {EXTRA}/ , https://kisaansay.example:8443",
}


def _prod_settings() -> Settings:
    return Settings(_env_file=None, **{k.removeprefix("KISAAN_").lower(): v for k, v in PROD_KEYS.items()})


# --- the rule ------------------------------------------------------------------------------------------------


def test_outside_prod_the_host_a_request_came_to_is_our_own():
    settings = Settings(env="dev", public_url="http://localhost:3000", _env_file=None)
    assert own_origins(settings, "http", "127.0.0.1:3000") == {"http://localhost:3000", "http://127.0.0.1:3000"}
    assert "http://192.0.2.2:3000" in own_origins(settings, "http", LAN)
    # A socket's scope says ws/wss; the page that opened it has the http/https twin as its origin.
    assert own_origins(settings, "ws", LAN) == {"http://localhost:3000", "http://192.0.2.2:3000"}
    assert "https://192.0.2.2:3000" in own_origins(settings, "wss", LAN)
    assert own_origins(Settings(env="test", _env_file=None), "http", "[fd00::2]:3000") >= {"http://[fd00::2]:3000"}


def test_in_prod_only_the_public_url_and_the_extra_origins_are():
    settings = _prod_settings()
    expected = {PUBLIC, EXTRA, "https://kisaansay.example:8443"}
    assert own_origins(settings, "https", "kisaansay.example") == expected
    assert own_origins(settings, "http", LAN) == expected  # a Host header the operator did not name counts for nothing


@pytest.mark.parametrize(
    "bad", ["kisaansay.example", "https://x.example/app", "ftp://x.example", "https://", "https://x.example:99999"]
)
def test_extra_origins_must_be_bare_origins(bad):
    with pytest.raises(ValidationError, match="KISAAN_EXTRA_ORIGINS"):
        Settings(extra_origins=f"{EXTRA},{bad}", _env_file=None)


def test_pages_reach_the_backend_at_the_host_they_were_opened_at_outside_prod():
    # Reflex's frontend swaps "localhost" for the page's own host name: 127.0.0.1 or the LAN IP then stay itself.
    assert Settings(public_url="http://192.0.2.2:3000", _env_file=None).page_api_url == "http://localhost:3000"
    assert Settings(public_url="http://kisaan.lan", _env_file=None).page_api_url == "http://localhost"
    assert _prod_settings().page_api_url == PUBLIC


# --- cookie writes through the real edge -----------------------------------------------------------------------


def _logout(client: TestClient, origin: str, host: str | None = None) -> int:
    """A cookie-authenticated write (logout) by a new farmer, with this Origin (and Host)."""
    token = token_for(make_user("farmer"))
    headers = {"Origin": origin, "Cookie": f"kisaan_session={token}"}
    if host:
        headers["Host"] = host
    return client.post("/api/auth/logout", headers=headers).status_code


def test_outside_prod_a_write_from_the_lan_address_it_was_sent_to_passes(api):
    assert _logout(api, "http://evil.example", host=LAN) == 403
    assert _logout(api, "http://127.0.0.1:3000", host=LAN) == 403  # another address than the one used
    assert _logout(api, f"http://{LAN}", host=LAN) == 204


@pytest.fixture
def prod_api(db, monkeypatch):
    from kisaan_app.api import create_api
    from kisaan_app.settings import get_settings

    for name, value in PROD_KEYS.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with TestClient(create_api(), base_url=PUBLIC) as client:
            yield client
    finally:
        for name in PROD_KEYS:
            monkeypatch.delenv(name)
        get_settings.cache_clear()


def test_in_prod_a_cookie_write_passes_only_from_the_configured_origins(prod_api):
    assert _logout(prod_api, "https://evil.example") == 403
    # Origin equal to Host, but neither is an origin the operator named: refused in prod.
    assert _logout(prod_api, f"http://{LAN}", host=LAN) == 403
    assert _logout(prod_api, "https://kisaansay.example.evil.example") == 403
    assert _logout(prod_api, EXTRA) == 204
    assert _logout(prod_api, PUBLIC) == 204
