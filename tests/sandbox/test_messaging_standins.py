"""The Twilio, Web Push and SMTP stand-ins, driven through the official SDKs exactly as the app drives the real ones.

One uvicorn server hosts both HTTP stand-ins, a second one plays the app receiving Twilio status callbacks
(validating X-Twilio-Signature with the SDK's RequestValidator), and aiosmtpd runs the SMTP stand-in.
"""

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request, Response
from py_vapid import Vapid01, Vapid02
from py_vapid import jwt as vapid_jwt
from pywebpush import WebPusher, WebPushException, webpush
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.providers.twilio_http import TwilioEndpointHttpClient
from sandbox import smtp_standin, twilio_standin, webpush_standin
from sandbox.outbox import Outbox
from sandbox.server import SandboxConfig, free_port
from sandbox.webpush_standin import b64url_encode
from tests.asyncio_thread import run_async
from tests.sandbox.support import TWILIO_SIGNATURE_VECTOR, wait_for
from tests.sandbox.support import Served as _Served

T = TypeVar("T")
FROM_NUMBER = "+15005550006"
VAPID_SUB = "mailto:ops@kisaansay.test"


# --- infrastructure ---------------------------------------------------------------------------------------------


class CallbackReceiver:
    """Plays the app's status-callback webhook; checks each signature as production code would."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.calls: list[dict] = []
        self.app = FastAPI()
        self.app.post("/twilio/status")(self._receive)
        self.app.post("/twilio/flaky")(self._receive)

    async def _receive(self, request: Request) -> Response:
        params = {k: str(v) for k, v in (await request.form()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = self.validator.validate(str(request.url), params, signature)
        key = (params.get("MessageSid"), params.get("MessageStatus"))
        earlier = sum(1 for c in self.calls if (c["params"].get("MessageSid"), c["params"].get("MessageStatus")) == key)
        self.calls.append({"path": request.url.path, "params": params, "valid": valid})
        if request.url.path.endswith("/flaky") and earlier < 2:
            return Response(status_code=500)  # a flaky app: every status fails twice before it is taken
        return Response(status_code=204 if valid else 403)

    def for_message(self, sid: str) -> list[dict]:
        return [c for c in self.calls if c["params"].get("MessageSid") == sid]


@pytest.fixture(scope="module")
def standin(config: SandboxConfig, outbox: Outbox) -> Iterator[str]:
    app = FastAPI()
    app.include_router(twilio_standin.make_router(config, outbox))
    app.include_router(webpush_standin.make_router(config, outbox))
    with _Served(app, config.port) as served:
        yield served.url


@pytest.fixture(scope="module")
def receiver(config: SandboxConfig) -> Iterator[tuple[CallbackReceiver, str]]:
    receiver = CallbackReceiver(config.twilio_auth_token)
    with _Served(receiver.app, free_port()) as served:
        yield receiver, served.url


@pytest.fixture(scope="module")
def twilio(config: SandboxConfig, standin: str) -> Client:
    return Client(
        config.twilio_account_sid,
        config.twilio_auth_token,
        http_client=TwilioEndpointHttpClient(config.url, timeout=10),
    )


@pytest.fixture(scope="module")
def smtp(config: SandboxConfig, outbox: Outbox) -> Iterator[SandboxConfig]:
    controller = smtp_standin.start_smtp(config, outbox)
    yield config
    controller.stop()


def _callback_records(outbox: Outbox, sid: str, status: str) -> list:
    return [
        r
        for r in outbox.list("twilio", "sms.status_callback")
        if (r.detail["params"]["MessageSid"], r.detail["params"]["MessageStatus"]) == (sid, status)
    ]


def settle(twilio: Client) -> None:
    """Wait until no message is still queued, so balances are not moving under a test."""
    wait_for(lambda: all(m.status not in ("accepted", "queued", "sent") for m in twilio.messages.list(limit=200)))


# --- Twilio --------------------------------------------------------------------------------------------------------


def test_request_validator_documented_vector() -> None:
    """Twilio's published example: the same code path then validates the stand-in's callbacks below."""
    token, url, params, signature = TWILIO_SIGNATURE_VECTOR
    validator = RequestValidator(token)
    assert validator.compute_signature(url, params) == signature
    assert validator.validate(url, params, signature)


def test_sdk_send_fetch_and_balance(twilio: Client, outbox: Outbox) -> None:
    settle(twilio)
    before = Decimal(twilio.api.v2010.account.balance.fetch().balance)
    body = "नमस्ते! आपकी फसल का भुगतान हो गया है। " * 3  # Devanagari → UCS-2, several segments
    segments, encoding = segment_count(body)
    assert encoding == "UCS-2" and segments > 1

    message = twilio.messages.create(to="+919812345678", from_=FROM_NUMBER, body=body)

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued"
    assert message.num_segments == str(segments)
    assert (message.to, message.from_, message.body) == ("+919812345678", FROM_NUMBER, body)
    assert message.direction == "outbound-api" and message.num_media == "0" and message.price is None
    assert message.error_code is None and message.api_version == "2010-04-01"
    assert message.date_created is not None  # the SDK parsed the RFC 2822 date
    assert message.uri == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages/{message.sid}.json"

    delivered = wait_for(lambda: (m := twilio.messages(message.sid).fetch()).status == "delivered" and m)
    assert delivered.price == f"-{Decimal('0.0079') * segments:.5f}"
    assert delivered.date_sent is not None
    after = Decimal(twilio.api.v2010.account.balance.fetch().balance)
    assert before - after == Decimal("0.0079") * segments
    assert twilio.api.v2010.account.balance.fetch().currency == "USD"

    sms = [r for r in outbox.list("twilio", "sms") if r.detail["sid"] == message.sid]
    assert sms and sms[0].detail["body"] == body and sms[0].detail["encoding"] == "UCS-2"


def test_list_is_newest_first_and_pages(twilio: Client) -> None:
    sids = [twilio.messages.create(to="+919800000001", from_=FROM_NUMBER, body=f"list {i}").sid for i in range(3)]
    listed = [m.sid for m in twilio.messages.list(to="+919800000001", page_size=2, limit=3)]  # follows next_page_uri
    assert listed == sids[::-1]
    page = twilio.messages.page(to="+919800000001", page_size=2)
    assert page.next_page_url is not None and len(list(page)) == 2


def test_wrong_credentials_are_20003(config: SandboxConfig, standin: str) -> None:
    bad = Client(config.twilio_account_sid, "wrong-token", http_client=TwilioEndpointHttpClient(standin, timeout=10))
    with pytest.raises(TwilioRestException) as exc:
        bad.messages.create(to="+919812345678", from_=FROM_NUMBER, body="hi")
    assert (exc.value.status, exc.value.code) == (401, 20003)
    assert exc.value.msg.endswith("Authenticate")  # the SDK prefixes "Unable to create record: "


def test_unknown_message_is_20404(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as exc:
        twilio.messages("SM" + "0" * 32).fetch()
    assert (exc.value.status, exc.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("to", "code", "message_part"),
    [
        ("+15005550001", 21211, "is not a valid phone number"),
        ("+15005550002", 21612, "not currently reachable via SMS"),
        ("+15005550003", 21408, "Permission to send an SMS"),
        ("+15005550004", 21610, "Attempt to send to unsubscribed recipient"),
        ("+15005550009", 21614, "'To' number is not a valid mobile number"),
        ("9812345678", 21211, "The 'To' number 9812345678 is not a valid phone number."),
        ("+91981", 21211, "is not a valid phone number"),
    ],
)
def test_magic_and_invalid_numbers(twilio: Client, outbox: Outbox, to: str, code: int, message_part: str) -> None:
    with pytest.raises(TwilioRestException) as exc:
        twilio.messages.create(to=to, from_=FROM_NUMBER, body="hello")
    assert (exc.value.status, exc.value.code) == (400, code)
    assert message_part in exc.value.msg
    assert outbox.list("twilio", "sms.rejected")[0].detail["code"] == code


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"body": "x" * 1601}, 21617),
        ({}, 21602),  # no Body
        ({"body": "hi", "from_": None}, 21603),
    ],
)
def test_body_and_sender_validation(twilio: Client, kwargs: dict[str, Any], code: int) -> None:
    with pytest.raises(TwilioRestException) as exc:
        twilio.messages.create(**{"to": "+919812345678", "from_": FROM_NUMBER, **kwargs})
    assert (exc.value.status, exc.value.code) == (400, code)


def test_body_of_exactly_1600_is_accepted(twilio: Client) -> None:
    message = twilio.messages.create(to="+919812345678", from_=FROM_NUMBER, body="y" * 1600)
    assert message.num_segments == str(segment_count("y" * 1600)[0]) == "11"


def test_messaging_service_send_is_accepted_then_gets_a_sender(twilio: Client) -> None:
    message = twilio.messages.create(to="+919812345678", messaging_service_sid="MG" + "ab" * 16, body="via service")
    assert (message.status, message.from_) == ("accepted", None)  # Twilio picks the sender after the 201
    delivered = wait_for(lambda: (m := twilio.messages(message.sid).fetch()).status == "delivered" and m)
    assert delivered.from_ == twilio_standin.SERVICE_SENDER_NUMBER


def test_status_callbacks_are_signed(
    twilio: Client, receiver: tuple[CallbackReceiver, str], outbox: Outbox, config: SandboxConfig
) -> None:
    recv, url = receiver
    callback = f"{url}/twilio/status?order=42"  # the query string is part of what Twilio signs
    message = twilio.messages.create(to="+919812345678", from_=FROM_NUMBER, body="Order 42", status_callback=callback)

    calls = wait_for(lambda: len(recv.for_message(message.sid)) >= 2 and recv.for_message(message.sid))
    assert [c["params"]["MessageStatus"] for c in calls] == ["sent", "delivered"]
    assert all(c["valid"] for c in calls)
    params = calls[0]["params"]
    assert params["SmsSid"] == message.sid and params["AccountSid"] == config.twilio_account_sid
    assert (params["From"], params["To"], params["ApiVersion"]) == (FROM_NUMBER, "+919812345678", "2010-04-01")
    assert "ErrorCode" not in params

    # The stand-in records a callback once the app has answered it, a moment after the app saw it.
    recorded = wait_for(
        lambda: _callback_records(outbox, message.sid, "delivered") and _callback_records(outbox, message.sid, "sent")
    ) + _callback_records(outbox, message.sid, "delivered")
    # The stand-in's signature is what the documented RequestValidator algorithm computes for this URL.
    for record in recorded:
        assert RequestValidator(config.twilio_auth_token).validate(
            callback, record.detail["params"], record.detail["signature"]
        )
        assert record.detail["delivered"] is True


@pytest.mark.parametrize(
    ("to", "statuses", "error_code"),
    [("+919812343003", ["sent", "undelivered"], 30003), ("+919812343005", ["failed"], 30005)],
)
def test_delivery_failures(
    twilio: Client, receiver: tuple[CallbackReceiver, str], to: str, statuses: list[str], error_code: int
) -> None:
    recv, url = receiver
    message = twilio.messages.create(to=to, from_=FROM_NUMBER, body="hello", status_callback=f"{url}/twilio/status")
    calls = wait_for(lambda: len(recv.for_message(message.sid)) >= len(statuses) and recv.for_message(message.sid))
    assert [c["params"]["MessageStatus"] for c in calls] == statuses
    assert calls[-1]["params"]["ErrorCode"] == str(error_code) and calls[-1]["valid"]
    final = twilio.messages(message.sid).fetch()
    assert (final.status, final.error_code) == (statuses[-1], error_code)
    assert final.error_message


def test_callback_retried_after_5xx(twilio: Client, receiver: tuple[CallbackReceiver, str], outbox: Outbox) -> None:
    recv, url = receiver
    message = twilio.messages.create(
        to="+919812345678", from_=FROM_NUMBER, body="retry me", status_callback=f"{url}/twilio/flaky"
    )
    record = wait_for(lambda: _callback_records(outbox, message.sid, "delivered"), timeout=10)[0]
    # /twilio/flaky answers 500 twice per status: the third attempt gets through.
    assert [a.get("status_code") for a in record.detail["attempts"]] == [500, 500, 204]
    assert record.detail["delivered"] is True
    assert [c["params"]["MessageStatus"] for c in recv.for_message(message.sid)] == ["sent"] * 3 + ["delivered"] * 3


def test_callback_gives_up_after_three_retries(twilio: Client, outbox: Outbox) -> None:
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    message = twilio.messages.create(to="+919812345678", from_=FROM_NUMBER, body="no app", status_callback=dead)
    record = wait_for(lambda: _callback_records(outbox, message.sid, "sent"), timeout=10)[0]
    assert len(record.detail["attempts"]) == 4 and all("error" in a for a in record.detail["attempts"])
    assert record.detail["delivered"] is False


# --- Web Push ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vapid() -> Vapid02:
    """The app's VAPID key pair (RFC 8292 `vapid t=…, k=…` headers)."""
    key = Vapid02()
    key.generate_keys()
    return key


def device_keys() -> tuple[ec.EllipticCurvePrivateKey, str, str]:
    """A browser-side key pair and auth secret: (private key, base64url raw scalar, base64url auth)."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    scalar = private_key.private_numbers().private_value.to_bytes(32, "big")
    return private_key, b64url_encode(scalar), b64url_encode(b"0123456789abcdef")


def register(base: str, **spec: str) -> dict:
    response = httpx.post(f"{base}/sandbox/push/devices", json=spec, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def token_of(subscription: dict) -> str:
    return subscription["endpoint"].rsplit("/", 1)[1]


def received(base: str, subscription: dict) -> list[dict]:
    return httpx.get(f"{base}/sandbox/push/devices/{token_of(subscription)}/messages", timeout=10).json()


def push_status(subscription: dict, vapid: Vapid01 | None, data: str = '{"title": "hi"}', **kwargs: Any) -> int:
    """Send through pywebpush.webpush and return the push service's HTTP status (success or WebPushException)."""
    try:
        response = webpush(
            subscription_info=subscription,
            data=data,
            vapid_private_key=vapid,
            vapid_claims={"sub": VAPID_SUB, **kwargs.pop("claims", {})} if vapid else None,
            ttl=kwargs.pop("ttl", 3600),
            timeout=10,
            **kwargs,
        )
    except WebPushException as exc:
        assert exc.response is not None
        return exc.response.status_code
    return response.status_code


def test_push_roundtrip_decrypts_payload(standin: str, vapid: Vapid02, outbox: Outbox) -> None:
    private_key, scalar, auth = device_keys()
    subscription = register(standin, private_key=scalar, auth=auth)
    assert subscription["endpoint"].startswith(f"{standin}/push/send/")
    expected_p256dh = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert subscription["keys"] == {"p256dh": b64url_encode(expected_p256dh), "auth": auth}

    payload = {"title": "मंडी भाव", "body": "Wheat ₹2,275/qtl at Khanna", "url": "/prices/wheat"}
    response = webpush(
        subscription_info=subscription,
        data=json.dumps(payload, ensure_ascii=False),
        vapid_private_key=vapid,
        vapid_claims={"sub": VAPID_SUB},
        ttl=3600,
        timeout=10,
        headers={"Urgency": "high"},
    )

    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"{standin}/push/message/")
    messages = received(standin, subscription)
    assert len(messages) == 1 and json.loads(messages[0]["text"]) == payload
    assert (messages[0]["ttl"], messages[0]["urgency"], messages[0]["vapid_sub"]) == (3600, "high", VAPID_SUB)
    record = outbox.list("webpush", "push")[0]
    assert json.loads(record.detail["text"]) == payload and record.detail["token"] == token_of(subscription)


def test_pem_device_key_and_string_vapid_key(standin: str) -> None:
    private_key, _scalar, auth = device_keys()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    subscription = register(standin, private_key=pem, auth=auth)
    # Apps usually keep the VAPID key as a base64url string; pywebpush loads it with Vapid.from_string.
    app_key = ec.generate_private_key(ec.SECP256R1())
    vapid_string = b64url_encode(app_key.private_numbers().private_value.to_bytes(32, "big"))
    response = webpush(
        subscription, data="plain text", vapid_private_key=vapid_string, vapid_claims={"sub": VAPID_SUB}, ttl=60
    )
    assert response.status_code == 201
    assert received(standin, subscription)[0]["text"] == "plain text"


def test_server_generated_device_and_legacy_webpush_scheme(standin: str) -> None:
    subscription = register(standin)  # {} → the stand-in makes the keys, as for a developer's fake device
    assert len(subscription["keys"]["auth"]) == 22 and len(subscription["keys"]["p256dh"]) == 87
    legacy = Vapid01()  # draft VAPID: "Authorization: WebPush <jwt>" + "Crypto-Key: p256ecdsa=…"
    legacy.generate_keys()
    assert push_status(subscription, legacy, data="legacy ok") == 201
    assert received(standin, subscription)[0]["text"] == "legacy ok"


def test_push_without_payload_is_accepted(standin: str, vapid: Vapid02) -> None:
    """A "tickle" push (no body, so no Content-Encoding) is valid RFC 8030."""
    subscription = register(standin)
    response = webpush(subscription, data=None, vapid_private_key=vapid, vapid_claims={"sub": VAPID_SUB}, ttl=0)
    assert response.status_code == 201
    assert received(standin, subscription)[0]["text"] == ""


def test_missing_vapid_is_401(standin: str) -> None:
    subscription = register(standin)
    assert push_status(subscription, None) == 401


def test_signature_from_another_key_is_403(standin: str, vapid: Vapid02) -> None:
    subscription = register(standin)
    other = Vapid02()
    other.generate_keys()
    headers = vapid.sign({"sub": VAPID_SUB, "aud": standin, "exp": int(time.time()) + 600})
    other_k = b64url_encode(
        other.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    token = headers["Authorization"].split("t=", 1)[1].split(",", 1)[0]
    forged = {"Authorization": f"vapid t={token}, k={other_k}"}
    response = WebPusher(subscription).send("hi", headers=forged, ttl=60, timeout=10)
    assert response.status_code == 403
    assert "signature" in response.json()["message"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "https://fcm.googleapis.com"}, "'aud'"),
        ({"exp": int(time.time()) - 60}, "'exp'"),
        ({"exp": int(time.time()) + 25 * 3600}, "24 hours"),
        ({"sub": "ops@kisaansay.test"}, "'sub'"),
    ],
)
def test_bad_vapid_claims_are_403(standin: str, vapid: Vapid02, claims: dict, reason: str) -> None:
    subscription = register(standin)
    full = {"sub": VAPID_SUB, "aud": standin, "exp": int(time.time()) + 600, **claims}
    # py_vapid refuses some bad claims before signing, so sign the JWT directly to test the push service.
    token = vapid_jwt.sign(full, vapid.private_key)
    k = b64url_encode(
        vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    response = WebPusher(subscription).send("hi", headers={"Authorization": f"vapid t={token},k={k}"}, ttl=60)
    assert response.status_code == 403
    assert reason in response.json()["message"]


def test_wrong_audience_through_webpush_raises(standin: str, vapid: Vapid02) -> None:
    subscription = register(standin)
    assert push_status(subscription, vapid, claims={"aud": "https://updates.push.services.mozilla.com"}) == 403


def test_gone_and_unsubscribed_are_410(standin: str, vapid: Vapid02, outbox: Outbox) -> None:
    assert push_status(register(standin, behaviour="gone"), vapid) == 410
    assert outbox.list("webpush", "push.rejected")[0].detail["status"] == 410
    subscription = register(standin)
    assert push_status(subscription, vapid) == 201
    assert httpx.delete(f"{standin}/sandbox/push/devices/{token_of(subscription)}").status_code == 204
    assert push_status(subscription, vapid) == 410
    assert push_status({**subscription, "endpoint": f"{standin}/push/send/never-registered"}, vapid) == 410


def test_oversize_payload_is_413(standin: str, vapid: Vapid02) -> None:
    subscription = register(standin)
    # aes128gcm adds 86 header bytes, a 1-byte delimiter and a 16-byte tag: 3993 bytes of text fill 4096 exactly.
    assert push_status(subscription, vapid, data="x" * 3993) == 201
    assert push_status(subscription, vapid, data="x" * 3994) == 413
    # The raw protocol too: the size check does not depend on what pywebpush sends.
    headers = vapid.sign({"sub": VAPID_SUB, "aud": standin})
    raw = httpx.post(
        subscription["endpoint"],
        content=b"\0" * 4097,
        headers={**headers, "TTL": "60", "Content-Encoding": "aes128gcm"},
        timeout=10,
    )
    assert raw.status_code == 413


def test_throttled_device_is_429_with_retry_after(standin: str, vapid: Vapid02) -> None:
    subscription = register(standin, behaviour="throttle")
    with pytest.raises(WebPushException) as exc:
        webpush(subscription, data="hi", vapid_private_key=vapid, vapid_claims={"sub": VAPID_SUB}, ttl=60, timeout=10)
    assert exc.value.response is not None
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "30"


def test_ttl_and_content_encoding_are_required(standin: str, vapid: Vapid02) -> None:
    subscription = register(standin)
    assert push_status(subscription, vapid, content_encoding="aesgcm") == 415  # deprecated draft encoding
    headers = vapid.sign({"sub": VAPID_SUB, "aud": standin})
    no_ttl = httpx.post(
        subscription["endpoint"], content=b"x" * 100, headers={**headers, "Content-Encoding": "aes128gcm"}
    )
    assert no_ttl.status_code == 400 and "TTL" in no_ttl.json()["message"]


def test_device_registration_rejects_bad_keys(standin: str) -> None:
    bad = [{"private_key": "bm90LWEta2V5"}, {"auth": "c2hvcnQ"}, {"behaviour": "explode"}]
    for spec in bad:
        assert httpx.post(f"{standin}/sandbox/push/devices", json=spec).status_code == 422, spec
    assert httpx.get(f"{standin}/sandbox/push/devices/nope/messages").status_code == 404


# --- SMTP ----------------------------------------------------------------------------------------------------------


def email_to(*recipients: str, subject: str = "Your order is confirmed") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Kisaansay <no-reply@kisaansay.test>"
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg.set_content("नमस्ते Ravi,\nOrder #42: 10 qtl wheat.\n")
    msg.add_alternative("<p>नमस्ते <b>Ravi</b>, order #42: 10 qtl wheat.</p>", subtype="html")
    return msg


def send_mail(smtp: SandboxConfig, msg: EmailMessage, **kwargs: Any) -> tuple[dict, str]:
    return run_async(
        aiosmtplib.send(msg, hostname=smtp.host, port=smtp.smtp_port, start_tls=False, timeout=10, **kwargs)
    )


def test_authenticated_mail_is_recorded_decoded(smtp: SandboxConfig, outbox: Outbox) -> None:
    errors, reply = send_mail(smtp, email_to("ravi@example.test"), username="sandbox", password="sandbox")
    assert errors == {} and reply.startswith("2.0.0 OK")
    record = outbox.list("smtp", "email")[0]
    detail = record.detail
    assert detail["to"] == ["ravi@example.test"] and detail["subject"] == "Your order is confirmed"
    assert detail["from"] == "Kisaansay <no-reply@kisaansay.test>"
    assert detail["text"] == "नमस्ते Ravi,\nOrder #42: 10 qtl wheat.\n"
    assert detail["html"].strip() == "<p>नमस्ते <b>Ravi</b>, order #42: 10 qtl wheat.</p>"
    assert detail["authenticated_as"] == "sandbox"


def test_unauthenticated_mail_is_accepted(smtp: SandboxConfig, outbox: Outbox) -> None:
    errors, _ = send_mail(smtp, email_to("asha@example.test", subject="No auth"))
    assert errors == {}
    detail = outbox.list("smtp", "email")[0].detail
    assert detail["subject"] == "No auth" and detail["authenticated_as"] is None


def test_partial_rejection_returns_errors(smtp: SandboxConfig, outbox: Outbox) -> None:
    errors, _ = send_mail(smtp, email_to("good@example.test", "reject.me@example.test", subject="Partial"))
    assert set(errors) == {"reject.me@example.test"}
    assert errors["reject.me@example.test"].code == 550
    assert outbox.list("smtp", "email")[0].detail["to"] == ["good@example.test"]
    assert outbox.list("smtp", "email.rejected")[0].detail["to"] == ["reject.me@example.test"]


def test_all_recipients_rejected_raises(smtp: SandboxConfig) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as exc:
        send_mail(smtp, email_to("reject@example.test", "also-reject@example.test"))
    assert [r.code for r in exc.value.recipients] == [550, 550]


def test_tempfail_is_451(smtp: SandboxConfig) -> None:
    errors, _ = send_mail(smtp, email_to("ok@example.test", "tempfail@example.test"))
    assert errors["tempfail@example.test"].code == 451
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as exc:
        send_mail(smtp, email_to("tempfail@example.test"))
    assert exc.value.recipients[0].code == 451 and "Try again later" in exc.value.recipients[0].message


def test_bad_password_is_535(smtp: SandboxConfig) -> None:
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as exc:
        send_mail(smtp, email_to("ravi@example.test"), username="sandbox", password="wrong")
    assert exc.value.code == 535


def test_null_sender_is_refused(smtp: SandboxConfig) -> None:
    async def send_with_null_sender() -> None:
        async with aiosmtplib.SMTP(hostname=smtp.host, port=smtp.smtp_port, start_tls=False, timeout=10) as client:
            await client.sendmail("", ["ravi@example.test"], email_to("ravi@example.test").as_bytes())

    with pytest.raises(aiosmtplib.SMTPSenderRefused) as exc:
        run_async(send_with_null_sender())
    assert exc.value.code == 550
