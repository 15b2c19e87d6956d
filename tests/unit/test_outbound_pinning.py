"""The outbound fetch connects to the address the guard checked (issue 11): DNS that answers a public address to
the check and 127.0.0.1 a moment later (rebinding) never gets the server to connect to 127.0.0.1. TLS still
checks the certificate against the host name, and SNI and Host carry the name."""

import datetime
import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kisaan_app.db import session_scope
from kisaan_app.services import accounts, outbound
from kisaan_app.services.notifications import subscriptions
from kisaan_app.services.notifications.delivery import deliver
from kisaan_app.services.outbound import NoRedirectSession, PinnedSession, Target
from kisaan_app.settings import get_settings
from tests.notifications_support import browser_device, person, row
from tests.unit.test_outbound_guard import _push_to

HOST = "push.example.org"
PUBLIC = "93.184.216.34"


@pytest.fixture
def rebinding_dns(monkeypatch):
    """The system resolver for HOST: a public address the first time, 127.0.0.1 every time after. Every TCP
    connect is recorded with the addresses it would reach, and refused (nothing here may leave the machine)."""
    real_getaddrinfo = socket.getaddrinfo
    answers = iter([PUBLIC])
    connects: list[tuple[str, list[str]]] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if str(host).lower().rstrip(".") == HOST:
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        host, port = address
        connects.append((host, sorted({info[4][0] for info in socket.getaddrinfo(host, port)})))
        raise ConnectionRefusedError("refused by the test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return connects


def test_without_a_pin_the_second_lookup_would_reach_loopback(rebinding_dns):
    """What the pin prevents: the guard's lookup sees a public address, requests' own lookup gets 127.0.0.1."""
    assert outbound.check_public_url(f"https://{HOST}/s/1", [HOST]) == HOST
    with pytest.raises(requests.ConnectionError), NoRedirectSession() as session:
        session.post(f"https://{HOST}/s/1", timeout=2)
    assert rebinding_dns == [(HOST, ["127.0.0.1"])]


def test_a_push_send_connects_to_the_checked_address_never_to_loopback(messaging, monkeypatch, rebinding_dns):
    monkeypatch.setenv("KISAAN_PUSH_SERVICE_HOSTS", HOST)
    get_settings.cache_clear()
    farmer = person()
    keys = browser_device(messaging.config.url)["keys"]
    real_resolve = outbound.resolve_host
    monkeypatch.setattr(outbound, "resolve_host", lambda host, port: [PUBLIC])  # public at subscribe
    endpoint = f"https://{HOST}/s/1"
    with session_scope() as session:
        principal = accounts.to_principal(farmer)
        subscriptions.subscribe(session, principal, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"])
    delivery_id = _push_to(farmer.id)
    # From here the guard resolves through the rebinding resolver: public at the send-time check, loopback after.
    monkeypatch.setattr(outbound, "resolve_host", real_resolve)

    result = deliver(delivery_id)

    assert rebinding_dns == [(PUBLIC, [PUBLIC])]  # one connect, to the address the send-time check saw
    assert all("127.0.0.1" not in addresses for _host, addresses in rebinding_dns)
    assert result.status != "sent" and row(delivery_id).error_code == "push_unreachable"


def test_a_pinned_session_reaches_only_its_host():
    session = PinnedSession(Target(HOST, PUBLIC))
    with pytest.raises(requests.exceptions.InvalidURL):
        session.get("https://elsewhere.example.net/", timeout=2)


# --- TLS keeps checking the name ---------------------------------------------------------------------------------


def _cert(subject: str, issuer_key, issuer_name, key, *, ca: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def tls_push_service(tmp_path):
    """An HTTPS server on 127.0.0.1 whose certificate (from a test CA) names HOST; it records SNI and Host."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kisaansay test CA")])
    ca = _cert("Kisaansay test CA", ca_key, ca_name, ca_key, ca=True)
    leaf = _cert(HOST, ca_key, ca_name, key)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    pkcs8 = serialization.PrivateFormat.PKCS8
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())
    )
    seen: dict[str, list[str]] = {"sni": [], "host": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen["host"].append(self.headers.get("host", ""))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], str(tmp_path / "ca.pem"), seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_pinned_connection_still_verifies_the_certificate_for_the_host_name(tls_push_service):
    port, ca_file, seen = tls_push_service
    loopback = str(ipaddress.ip_address("127.0.0.1"))  # pinned here only because the test server lives here
    with PinnedSession(Target(HOST, loopback)) as session:
        answer = session.post(f"https://{HOST}:{port}/s/1", data=b"x", verify=ca_file, timeout=5)
    assert answer.status_code == 201
    assert seen == {"sni": [HOST], "host": [f"{HOST}:{port}"]}
    other = "fcm.googleapis.com"  # the same server under a name its certificate does not carry: refused
    with pytest.raises(requests.exceptions.SSLError), PinnedSession(Target(other, loopback)) as session:
        session.post(f"https://{other}:{port}/s/1", data=b"x", verify=ca_file, timeout=5)
