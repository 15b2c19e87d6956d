"""The outbound guard: a push endpoint is https on a known push service whose name resolves only to public
addresses, at subscribe and again at send; redirects are never followed; keys are a real P-256 point."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.notifications import PushSubscription
from kisaan_app.services import accounts, outbound
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.notifications import Audience, notify, subscriptions
from kisaan_app.services.notifications.delivery import deliver
from kisaan_app.services.notifications.push_endpoints import check_endpoint, check_keys
from kisaan_app.services.outbound import check_public_url
from kisaan_app.settings import get_settings
from tests.factories import bearer, make_user, token_for
from tests.notifications_support import b64, browser_device, device_messages, person, row, rows

PUSH_HOSTS = get_settings().push_hosts
FCM = "https://fcm.googleapis.com/fcm/send/abc123"


def fixed_dns(table: dict[str, list[str]]):
    return lambda host, port: table[host]


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.7", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata over IPv6"),
        ("::1", "loopback v6"),
        ("::ffff:127.0.0.1", "loopback mapped into v6"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_a_push_host_resolving_inside_is_refused(address, why):
    with pytest.raises(ValidationFailed) as err:
        check_public_url(FCM, PUSH_HOSTS, resolver=fixed_dns({"fcm.googleapis.com": ["142.250.1.1", address]}))
    assert err.value.code == "outbound_address_not_public", why


def test_https_on_a_known_push_service_with_public_addresses_passes():
    dns = fixed_dns(
        {
            "fcm.googleapis.com": ["142.250.1.1"],
            "a1.push.apple.com": ["17.188.1.1"],
            "wns2-par02p.notify.windows.com": ["40.1.1.1"],
            "updates.push.services.mozilla.com": ["34.1.1.1", "2600:1f18::1"],
        }
    )
    urls = (
        FCM,
        "https://a1.push.apple.com/3/device/x",
        "https://wns2-par02p.notify.windows.com/w/?token=x",
        "https://updates.push.services.mozilla.com/wpush/v2/x",
    )
    for url in urls:
        assert check_public_url(url, PUSH_HOSTS, resolver=dns)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://fcm.googleapis.com/fcm/send/x", "outbound_url_invalid"),  # not https
        ("https://user:pw@fcm.googleapis.com/x", "outbound_url_invalid"),
        ("ftp://fcm.googleapis.com/x", "outbound_url_invalid"),
        ("https://evil.example/push", "outbound_host_not_allowed"),
        ("https://fcm.googleapis.com.evil.example/x", "outbound_host_not_allowed"),
        ("https://push.apple.com/x", "outbound_host_not_allowed"),  # "*." covers subdomains only
        ("https://169.254.169.254/latest/meta-data/", "outbound_host_not_allowed"),
        ("https://[::1]/x", "outbound_host_not_allowed"),
    ],
)
def test_the_url_itself_must_be_https_on_a_listed_host(url, code):
    with pytest.raises(ValidationFailed) as err:
        check_public_url(url, PUSH_HOSTS, resolver=fixed_dns({}))
    assert err.value.code == code


def test_the_host_list_is_a_setting(monkeypatch):
    monkeypatch.setenv("KISAAN_PUSH_SERVICE_HOSTS", "push.example.org")
    get_settings.cache_clear()
    try:
        assert get_settings().push_hosts == ("push.example.org",)
        with pytest.raises(ValidationFailed) as err:
            check_endpoint(FCM)
        assert err.value.code == "outbound_host_not_allowed"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_the_standin_is_allowed_only_outside_prod_and_only_its_send_path(messaging, monkeypatch):
    device = browser_device(messaging.config.url)
    check_endpoint(device["endpoint"])  # dev/test with the sandbox running
    for other in (f"{messaging.config.url}/sandbox/push/devices", "http://127.0.0.1:5432/push/send/x"):
        with pytest.raises(ValidationFailed):
            check_endpoint(other)
    prod = {
        "ENV": "prod",
        "SECRET_KEY": "p" * 40,
        "RAZORPAY_KEY_ID": "rzp_live_x",
        "RAZORPAY_KEY_SECRET": "s",
        "RAZORPAY_WEBHOOK_SECRET": "w",
        "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_AUTH_TOKEN": "t",
        "SMTP_HOST": "smtp.example.org",
    }
    for name, value in prod.items():
        monkeypatch.setenv(f"KISAAN_{name}", value)
    get_settings.cache_clear()
    try:
        assert not get_settings().push_sandbox
        with pytest.raises(ValidationFailed) as err:
            check_endpoint(device["endpoint"])
        assert err.value.code == "outbound_url_invalid"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


# --- subscribe: through the API, the errors a browser would see -----------------------------------------------


def _off_curve_point() -> str:
    return b64(b"\x04" + b"\x01" * 64)  # 65 bytes, the right shape, not on P-256


def test_subscribe_refuses_bad_keys_and_inside_endpoints_with_clear_codes(api, messaging, monkeypatch):
    headers = bearer(token_for(make_user("farmer")))
    device = browser_device(messaging.config.url)
    attempts = {
        "push_key_invalid": {**device, "keys": {**device["keys"], "p256dh": _off_curve_point()}},
        "push_auth_invalid": {**device, "keys": {**device["keys"], "auth": b64(b"fifteen-bytes!!")}},
        "outbound_host_not_allowed": {**device, "endpoint": "https://attacker.example/push/x"},
        "outbound_url_invalid": {**device, "endpoint": "http://fcm.googleapis.com/fcm/send/x"},
    }
    monkeypatch.setattr(outbound, "resolve_host", fixed_dns({"fcm.googleapis.com": ["127.0.0.1"]}))
    attempts["outbound_address_not_public"] = {**device, "endpoint": FCM}
    for code, body in attempts.items():
        answer = api.post("/api/notifications/push/subscribe", json=body, headers=headers)
        assert answer.status_code == 422, (code, answer.text)
        assert answer.json()["error"]["code"] == code
    assert api.post("/api/notifications/push/subscribe", json=device, headers=headers).status_code == 201
    with session_scope() as session:
        assert [s.endpoint for s in session.exec(select(PushSubscription)).all()] == [device["endpoint"]]


def test_a_compressed_or_truncated_key_is_refused():
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    compressed = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    auth = b64(b"0123456789abcdef")
    for p256dh in (b64(compressed), b64(b"\x04" + b"\x00" * 30), "!!not-base64!!", _off_curve_point()):
        with pytest.raises(ValidationFailed) as err:
            check_keys(p256dh, auth)
        assert err.value.code in ("push_key_invalid", "push_subscription_invalid")
    uncompressed = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    check_keys(b64(uncompressed), auth)


# --- send time: DNS may have changed, and redirects are never followed ----------------------------------------


def _push_to(user_id: int) -> int:
    with session_scope() as session:
        notify(session, None, Audience(user_ids=(user_id,), role=""), "system", text="hello", channels=["push"])
    (pending,) = rows(channel="push")
    return pending.id


def test_a_name_that_now_resolves_to_the_metadata_service_is_refused_at_send(messaging, monkeypatch):
    dns = {"push.example.org": ["93.184.216.34"]}
    monkeypatch.setenv("KISAAN_PUSH_SERVICE_HOSTS", "push.example.org")
    monkeypatch.setattr(outbound, "resolve_host", lambda host, port: dns[host])
    get_settings.cache_clear()
    farmer = person()
    keys = browser_device(messaging.config.url)["keys"]
    with session_scope() as session:
        subscriptions.subscribe(
            session,
            accounts.to_principal(farmer),
            endpoint="https://push.example.org/s/1",
            p256dh=keys["p256dh"],
            auth=keys["auth"],
        )
    delivery_id = _push_to(farmer.id)
    dns["push.example.org"] = ["169.254.169.254"]  # rebinding: public at subscribe, metadata at send

    assert deliver(delivery_id).status == "failed"
    failed = row(delivery_id)
    assert (failed.error_code, failed.error_message) == ("outbound_address_not_public", "push.example.org")


class _Redirector(BaseHTTPRequestHandler):
    target = ""
    hits: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.hits.append(self.path)
        self.send_response(307)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_redirect_from_the_push_service_is_never_followed(messaging, monkeypatch):
    device = browser_device(messaging.config.url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    _Redirector.target, _Redirector.hits = device["endpoint"], []  # a 307 keeps the POST: it would deliver
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        # This server plays the push stand-in's address, so the endpoint passes the guard; it answers 307.
        monkeypatch.setenv("KISAAN_SANDBOX_PUBLIC_URL", f"http://127.0.0.1:{port}")
        get_settings.cache_clear()
        farmer = person()
        with session_scope() as session:
            subscriptions.subscribe(
                session,
                accounts.to_principal(farmer),
                endpoint=f"http://127.0.0.1:{port}/push/send/r",
                p256dh=device["keys"]["p256dh"],
                auth=device["keys"]["auth"],
            )
        delivery_id = _push_to(farmer.id)
        assert deliver(delivery_id).status == "failed"
    finally:
        server.shutdown()
        server.server_close()
    assert row(delivery_id).error_code == "push_redirect_refused"
    assert _Redirector.hits == ["/push/send/r"]
    assert device_messages(messaging.config.url, device) == []  # the redirect target never heard of it
