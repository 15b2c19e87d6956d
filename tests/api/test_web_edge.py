"""The web edge (issue 11): body limits per route, cross-site writes with the session cookie refused,
security headers on every response, safe `next=` redirects, API docs behind a setting."""

import time
from collections.abc import Iterator

import pytest

from kisaan_app.services import accounts
from tests.factories import bearer, make_user, token_for

EVIL = "https://evil.example"


def _public() -> str:
    """settings.public_url now (a session fixture points it at the live API's port for later tests)."""
    from kisaan_app.api.edge.origin_guard import origin_of
    from kisaan_app.settings import get_settings

    return origin_of(get_settings().public_url)


def _error(res) -> str:
    return res.json()["error"]["code"]


def _chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


# --- body limits ---------------------------------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_refused_from_its_content_length(api):
    started = time.monotonic()
    res = api.post("/api/auth/login", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"})
    assert res.status_code == 413 and _error(res) == "body_too_large"
    body = res.json()["error"]
    assert body["details"]["max_bytes"] == 65536 and "64 KB" in body["message"]
    assert time.monotonic() - started < 2


def test_a_chunked_body_is_counted_as_it_streams(api):
    res = api.post("/api/auth/login", content=_chunks(200_000), headers={"content-type": "application/json"})
    assert res.status_code == 413 and _error(res) == "body_too_large"


def test_a_body_under_the_limit_reaches_the_route(api):
    res = api.post("/api/auth/login", json={"identifier": "+919999999999", "password": "x" * 8})
    assert res.status_code != 413


def test_a_streamed_upload_over_the_photo_limit_is_refused(api):
    user = make_user("farmer")
    headers = {**bearer(token_for(user)), "content-type": "multipart/form-data; boundary=xyz"}
    from kisaan_app.services.market import photos

    over = photos.max_bytes() + 1024 * 1024  # past the photo limit and its multipart allowance
    res = api.post("/api/market/listings/1/photo", content=_chunks(over), headers=headers)
    assert res.status_code == 413 and _error(res) == "body_too_large"


def test_route_limits_fit_the_route():
    from kisaan_app.api.edge.limits import body_limit_for

    assert body_limit_for("/api/market/listings/7/photo").limit > 2 * 1024 * 1024
    assert body_limit_for("/_upload").limit > 2 * 1024 * 1024  # the page's photo upload (Reflex)
    assert body_limit_for("/api/prices/import").limit > 5 * 1024 * 1024
    assert body_limit_for("/api/payments/webhook").limit == 65536
    assert body_limit_for("/api/payments/webhook").code == "webhook_too_large"
    assert body_limit_for("/api/notifications/sms/status").limit == 65536
    assert body_limit_for("/api/notifications/sms/inbound").code == "webhook_too_large"
    assert body_limit_for("/api/market/listings").limit == 65536
    assert body_limit_for("/api/market/listings/7/photo/x").limit == 65536  # only the exact route


def test_an_oversized_webhook_is_refused_before_the_route_reads_it(api):
    res = api.post("/api/payments/webhook", content=_chunks(100_000), headers={"X-Razorpay-Signature": "0" * 64})
    assert res.status_code == 413 and _error(res) == "webhook_too_large"


def test_multipart_forms_are_capped_in_files_and_fields(api):
    user = make_user("farmer")
    files = [("file", ("a.png", b"x", "image/png")), ("file", ("b.png", b"y", "image/png"))]
    res = api.post("/api/market/listings/1/photo", files=files, headers=bearer(token_for(user)))
    assert res.status_code in (400, 422) and res.status_code != 500


# --- cross-site writes -----------------------------------------------------------------------------------------


@pytest.fixture
def cookie_session(api):
    user = make_user("farmer")
    token = token_for(user)
    api.cookies.set("kisaan_session", token)
    yield token
    api.cookies.clear()


def test_a_cookie_write_from_another_site_is_refused(api, cookie_session):
    res = api.post("/api/auth/logout", headers={"Origin": EVIL})
    assert res.status_code == 403 and _error(res) == "cross_site_refused"
    assert res.json()["error"]["message"]
    assert api.get("/api/auth/me").status_code == 200  # the session was not touched


@pytest.mark.parametrize("origin", ["null", "http://localhost:3000.evil.example", "http://evil.localhost:3000"])
def test_lookalike_and_opaque_origins_are_refused(api, cookie_session, origin):
    assert api.post("/api/auth/logout", headers={"Origin": origin}).status_code == 403


def test_without_origin_the_referer_decides(api, cookie_session):
    assert api.post("/api/auth/logout", headers={"Referer": f"{EVIL}/page"}).status_code == 403
    assert api.post("/api/auth/logout").status_code == 403  # neither header: refused (fail closed)
    assert api.post("/api/auth/logout", headers={"Referer": f"{_public()}/profile"}).status_code == 204


def test_our_own_origin_may_write_with_the_cookie(api, cookie_session):
    assert api.post("/api/auth/logout", headers={"Origin": _public()}).status_code == 204


def test_the_host_the_request_went_to_counts_as_our_own(api, cookie_session):
    # TestClient sends Host: testserver, as a browser on the API's own address would.
    assert api.post("/api/auth/logout", headers={"Origin": "http://testserver"}).status_code == 204


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_unsafe_method_is_guarded(api, cookie_session, method):
    res = api.request(method.upper(), "/api/users/me", headers={"Origin": EVIL}, json={})
    assert res.status_code == 403 and _error(res) == "cross_site_refused"


def test_reads_are_not_guarded(api, cookie_session):
    assert api.get("/api/auth/me", headers={"Origin": EVIL}).status_code == 200


def test_bearer_requests_are_not_cross_site(api):
    token = token_for(make_user("farmer"))
    res = api.post("/api/auth/logout", headers={**bearer(token), "Origin": EVIL})
    assert res.status_code == 204


def test_signed_provider_callbacks_pass_even_beside_a_cookie(api, cookie_session):
    webhook = api.post("/api/payments/webhook", content=b"{}", headers={"Origin": EVIL, "X-Razorpay-Signature": "0"})
    assert webhook.status_code == 400  # its own signature check answers, not the cross-site guard
    sms = api.post("/api/notifications/sms/status", data={"MessageSid": "SM1"}, headers={"Origin": EVIL})
    assert sms.status_code != 403 or _error(sms) != "cross_site_refused"
    inbound = api.post("/api/notifications/sms/inbound", data={"MessageSid": "SM1"}, headers={"Origin": EVIL})
    assert inbound.status_code == 403 and _error(inbound) == "twilio_signature_invalid"  # its own check answers


# --- security headers ------------------------------------------------------------------------------------------


def _assert_common(headers) -> None:
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_api_responses_carry_security_headers(api):
    for res in (api.get("/api/health"), api.get("/api/auth/me"), api.post("/api/auth/login", content=b"x" * 70_000)):
        _assert_common(res.headers)
        assert res.headers["content-security-policy"].startswith("default-src 'none'")


def test_refusals_carry_security_headers_too(api, cookie_session):
    _assert_common(api.post("/api/auth/logout", headers={"Origin": EVIL}).headers)


def test_pages_get_a_policy_reflex_can_run_under(api):
    res = api.get("/login")  # in production mode Reflex serves the page through this same app
    _assert_common(res.headers)
    policy = res.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "'unsafe-eval'" in policy  # rx.call_script evaluates its script (checkout, logout)
    assert "ws://testserver" in policy and _public().replace("http", "ws", 1) in policy  # the /_event socket
    assert "https://checkout.razorpay.com" in policy


def test_build_scripts_and_styles_carry_no_document_policy():
    """A hashed script or stylesheet is never a document: no CSP or frame policy (bytes on every one of ~40 files
    a page loads), but still nosniff. Anything else under /assets/ (an SVG can be opened as a page) keeps them."""
    from kisaan_app.api.edge.headers import security_headers

    for path in ("/assets/root-6Z26L8ws.js", "/assets/__reflex_global_styles-CKeVnSIB.css"):
        assert security_headers({"path": path, "headers": []}) == {"X-Content-Type-Options": "nosniff"}
    for path in ("/assets/logo.svg", "/login", "/sw.js", "/api/health", "/assets.js"):
        assert "Content-Security-Policy" in security_headers({"path": path, "headers": []})


def test_the_docs_page_may_load_swagger(api):
    res = api.get("/api/docs")
    assert res.status_code == 200
    assert "https://cdn.jsdelivr.net" in res.headers["content-security-policy"]


def test_api_docs_can_be_turned_off(db, monkeypatch):
    from fastapi.testclient import TestClient

    from kisaan_app.api import create_api
    from kisaan_app.services import health as system_health
    from kisaan_app.settings import get_settings
    from kisaan_app.tasks.worker_heartbeat import beat

    beat.call_local()  # a live worker, so health's 200 says the route still answers with the docs off
    monkeypatch.setenv("KISAAN_API_DOCS", "false")
    get_settings.cache_clear()
    try:
        with TestClient(create_api()) as client:
            assert client.get("/api/openapi.json").status_code == 404
            assert client.get("/api/docs").status_code == 404
            assert client.get("/api/health").status_code == 200
    finally:
        monkeypatch.delenv("KISAAN_API_DOCS")
        get_settings.cache_clear()
        system_health.forget(system_health.WORKER_HEARTBEAT)
    with TestClient(create_api()) as client:
        assert client.get("/api/openapi.json").status_code == 200  # on by default outside prod


# --- next= redirects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/\\evil", "/%09/evil", "//evil", "https://evil", "/\t/evil", "/%2F/evil", "/%5Cevil", "/\n/evil", "evil"],
)
def test_the_cookie_hand_over_never_redirects_off_site(api, target):
    ticket = accounts.login_ticket(token_for(make_user("farmer")))
    res = api.get("/api/auth/session", params={"ticket": ticket, "next": target}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/"


def test_the_cookie_hand_over_keeps_a_same_site_path(api):
    ticket = accounts.login_ticket(token_for(make_user("farmer")))
    res = api.get("/api/auth/session", params={"ticket": ticket, "next": "/market?crop=Onion"}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/market?crop=Onion"
