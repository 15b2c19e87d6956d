"""A local stand-in for Twilio's Programmable Messaging REST API (2010-04-01).

The official `twilio` SDK talks to it unchanged through the app's `TwilioEndpointHttpClient`, which only rewrites
the host.
It checks HTTP Basic auth, validates like Twilio (E.164 `To`, body length, the documented magic test numbers),
answers with Twilio's Message resource and error JSON, and then plays the message's life in a background thread
(queued → sent → delivered, or undelivered / failed for the sandbox's failure numbers), POSTing status callbacks
signed with `X-Twilio-Signature` exactly as Twilio does, so the app's webhook validation is exercised for real.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hmac
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator

from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.providers.twilio_http import IDEMPOTENCY_HEADER
from sandbox.outbox import Outbox

if TYPE_CHECKING:  # server.py imports the stand-ins; a runtime import back would be circular
    from sandbox.server import SandboxConfig

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
PROVIDER = "twilio"
MAX_BODY_CHARS = 1600
PRICE_PER_SEGMENT = Decimal("0.0079")
STARTING_BALANCE = Decimal("20.00")
# The number a Messaging Service "picks from its pool" when the request names no From.
SERVICE_SENDER_NUMBER = "+15005550006"
# Pause between life-cycle steps: long enough that "queued" is observable, short enough for fast tests.
STEP_SECONDS = 0.05
CALLBACK_RETRIES = 3  # retries after the first attempt, on connection errors and 5xx
CALLBACK_TIMEOUT_SECONDS = 5.0

E164 = re.compile(r"^\+\d{8,15}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")

# Twilio's documented magic "To" numbers for test credentials: (error code, message template).
MAGIC_TO_ERRORS: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS"),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
# Sandbox convention for delivery failures after acceptance (last four digits of To): final status, error.
FAILURE_SUFFIXES: dict[str, tuple[str, int, str]] = {
    "3003": ("undelivered", 30003, "Unreachable destination handset"),
    "3005": ("failed", 30005, "Unknown destination handset"),
}


def twilio_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Twilio's REST error body; the SDK turns it into `TwilioRestException(status, code, msg)`."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _rfc2822_now() -> str:
    return format_datetime(datetime.now(UTC))


@dataclass
class _TwilioState:
    """Every message the stand-in accepted plus the account balance, guarded by one lock."""

    messages: dict[str, dict] = field(default_factory=dict)  # insertion order = creation order
    by_token: dict[str, str] = field(default_factory=dict)  # idempotency token → the sid it created
    balance: Decimal = STARTING_BALANCE
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self, sid: str) -> dict | None:
        with self.lock:
            message = self.messages.get(sid)
            return copy.deepcopy(message) if message else None

    def update(self, sid: str, **changes: object) -> dict:
        """Apply `changes` to a message (keys as in the JSON resource) and return a copy."""
        with self.lock:
            message = self.messages[sid]
            message.update(changes, date_updated=_rfc2822_now())
            return copy.deepcopy(message)


class _Validation(Exception):
    """A request Twilio would refuse with 400 and the given error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _validate_send(form: dict[str, str]) -> None:
    """Apply Twilio's checks to a Messages create request, in Twilio's order; raise `_Validation`."""
    to = form.get("To", "")
    if not to:
        raise _Validation(21604, "A 'To' phone number is required.")
    if to in MAGIC_TO_ERRORS:
        code, template = MAGIC_TO_ERRORS[to]
        raise _Validation(code, template.format(to=to))
    if not E164.match(to):
        raise _Validation(21211, f"The 'To' number {to} is not a valid phone number.")
    service_sid = form.get("MessagingServiceSid", "")
    if not form.get("From") and not service_sid:
        raise _Validation(21603, "A 'From' phone number is required.")
    if service_sid and not MESSAGING_SERVICE_SID.match(service_sid):
        raise _Validation(21701, f"The Messaging Service Sid {service_sid} is invalid.")
    body = form.get("Body", "")
    if not body:
        raise _Validation(21602, "Message body is required.")
    if len(body) > MAX_BODY_CHARS:
        raise _Validation(21617, "The concatenated message body exceeds the 1600 character limit.")
    callback = form.get("StatusCallback", "")
    if callback and urlsplit(callback).scheme not in ("http", "https"):
        raise _Validation(21609, f"The StatusCallback URL {callback} is not a valid URL.")


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class _TwilioStandin:
    """The stand-in's behaviour; `make_router` wires its methods to Twilio's URLs."""

    def __init__(self, config: SandboxConfig, outbox: Outbox) -> None:
        self.config = config
        self.outbox = outbox
        self.state = _TwilioState()
        # One pooled client for every callback: building an httpx.Client loads the CA bundle (~10 ms of CPU),
        # which a bulk send of thousands of messages would otherwise pay twice per message.
        self.http = httpx.Client(timeout=CALLBACK_TIMEOUT_SECONDS)

    # --- authentication -------------------------------------------------------------------------------------

    def authenticate(self, request: Request, account_sid: str) -> JSONResponse | None:
        """None if the Basic credentials are the sandbox account's and match the URL's account, else the 401."""
        creds = _basic_credentials(request)
        ok = (
            creds is not None
            and hmac.compare_digest(creds[0], self.config.twilio_account_sid)
            and hmac.compare_digest(creds[1], self.config.twilio_auth_token)
            and account_sid == self.config.twilio_account_sid
        )
        if ok:
            return None
        return twilio_error(401, 20003, "Authenticate", headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})

    # --- resources --------------------------------------------------------------------------------------------

    def message_uri(self, sid: str) -> str:
        return f"/{API_VERSION}/Accounts/{self.config.twilio_account_sid}/Messages/{sid}.json"

    def replay(self, token: str | None) -> dict | None:
        """The message an earlier create with this idempotency token made, as it is now; None if none did."""
        with self.state.lock:
            sid = self.state.by_token.get(token or "")
        return self.state.snapshot(sid) if sid else None

    def new_message(self, form: dict[str, str], token: str | None = None) -> dict:
        """Build, store and return Twilio's Message resource for an accepted create request."""
        sid = "SM" + secrets.token_hex(16)
        body = form["Body"]
        segments, _encoding = segment_count(body)
        now = _rfc2822_now()
        base = self.message_uri(sid).removesuffix(".json")
        service_sid = form.get("MessagingServiceSid") or None
        message = {
            "account_sid": self.config.twilio_account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": service_sid,
            "num_media": "0",
            "num_segments": str(segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # A send through a Messaging Service without From is "accepted" until a sender is picked.
            "status": "accepted" if service_sid and not form.get("From") else "queued",
            "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
            "to": form["To"],
            "uri": self.message_uri(sid),
        }
        with self.state.lock:
            if token:
                self.state.by_token[token] = sid
            self.state.messages[sid] = message
            return copy.deepcopy(message)

    def balance(self) -> dict:
        with self.state.lock:
            return {
                "account_sid": self.config.twilio_account_sid,
                "balance": str(self.state.balance),
                "currency": "USD",
            }

    def list_page(self, query: dict[str, str]) -> dict:
        """Twilio's list envelope, newest first, filtered by To/From and paged with Page/PageSize."""
        page_size = max(1, min(int(query.get("PageSize") or 50), 1000))
        page = max(0, int(query.get("Page") or 0))
        filters = {k: query[k] for k in ("To", "From") if query.get(k)}
        with self.state.lock:
            rows = [
                copy.deepcopy(m)
                for m in reversed(self.state.messages.values())
                if all(m["to" if k == "To" else "from"] == v for k, v in filters.items())
            ]
        start = page * page_size
        chunk = rows[start : start + page_size]
        base = f"/{API_VERSION}/Accounts/{self.config.twilio_account_sid}/Messages.json"

        def page_uri(number: int) -> str:
            return f"{base}?{urlencode({**filters, 'PageSize': page_size, 'Page': number})}"

        return {
            "end": start + max(len(chunk) - 1, 0),
            "first_page_uri": page_uri(0),
            "messages": chunk,
            "next_page_uri": page_uri(page + 1) if start + page_size < len(rows) else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": page_uri(page),
        }

    # --- the message's life after the 201 ---------------------------------------------------------------------

    def play_lifecycle(self, sid: str, callback_url: str | None) -> None:
        """Advance the message to its final status (run in a daemon thread), sending each status callback."""
        message = self.state.snapshot(sid)
        if message is None:
            return
        outcome = FAILURE_SUFFIXES.get(message["to"][-4:])
        time.sleep(STEP_SECONDS)
        if outcome and outcome[0] == "failed":
            # "failed": the carrier never took the message, so it is not sent and not billed.
            status, code, text = outcome
            self._transition(sid, callback_url, status=status, error_code=code, error_message=text)
            return
        segments = int(message["num_segments"])
        with self.state.lock:
            self.state.balance -= PRICE_PER_SEGMENT * segments
        self._transition(
            sid,
            callback_url,
            status="sent",
            date_sent=_rfc2822_now(),
            price=f"-{PRICE_PER_SEGMENT * segments:.5f}",
            **{"from": message["from"] or SERVICE_SENDER_NUMBER},
        )
        time.sleep(STEP_SECONDS)
        if outcome:
            status, code, text = outcome
            self._transition(sid, callback_url, status=status, error_code=code, error_message=text)
        else:
            self._transition(sid, callback_url, status="delivered")

    def _transition(self, sid: str, callback_url: str | None, **changes: object) -> None:
        message = self.state.update(sid, **changes)
        if callback_url:
            self.send_status_callback(callback_url, message)

    def send_status_callback(self, url: str, message: dict) -> None:
        """POST Twilio's status callback form, signed like Twilio, retrying on connection errors and 5xx."""
        params = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "AccountSid": message["account_sid"],
            "From": message["from"] or "",
            "To": message["to"],
            "MessageStatus": message["status"],
            "SmsStatus": message["status"],
            "ApiVersion": API_VERSION,
        }
        if message["error_code"] is not None:
            params["ErrorCode"] = str(message["error_code"])
        if message.get("messaging_service_sid"):
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        signature = RequestValidator(self.config.twilio_auth_token).compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
        attempts: list[dict] = []
        delivered = False
        client = self.http
        for attempt in range(CALLBACK_RETRIES + 1):
            if attempt:
                time.sleep(0.1 * 2 ** (attempt - 1))  # short backoff: this is a sandbox, not a carrier
            try:
                response = client.post(url, data=params, headers=headers)
            except httpx.HTTPError as exc:
                attempts.append({"error": f"{type(exc).__name__}: {exc}"})
                continue
            attempts.append({"status_code": response.status_code})
            if response.status_code < 500:
                delivered = response.status_code < 400
                break
        outcome = attempts[-1].get("status_code") or attempts[-1].get("error")
        self.outbox.record(
            PROVIDER,
            "sms.status_callback",
            f"{params['MessageStatus']} callback for {message['sid']} → {url}: {outcome} ({len(attempts)} attempt(s))",
            {
                "url": url,
                "params": params,
                "signature": signature,
                "attempts": attempts,
                "delivered": delivered,
            },
        )


def make_router(config: SandboxConfig, outbox: Outbox) -> APIRouter:
    """Twilio's Messages, Message and Balance endpoints under /2010-04-01/Accounts/{AccountSid}/."""
    standin = _TwilioStandin(config, outbox)
    router = APIRouter(prefix=f"/{API_VERSION}/Accounts/{{account_sid}}", tags=["twilio"])

    @router.post("/Messages.json")
    async def create_message(account_sid: str, request: Request, background: BackgroundTasks) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        to = form.get("To", "")
        if (denied := standin.authenticate(request, account_sid)) is not None:
            outbox.record(PROVIDER, "sms.rejected", f"SMS to {to} refused: 20003 Authenticate", {"form": form})
            return denied
        try:
            _validate_send(form)
        except _Validation as err:
            outbox.record(
                PROVIDER,
                "sms.rejected",
                f"SMS to {to} refused: {err.code} {err.message}",
                {"form": form, "code": err.code, "message": err.message},
            )
            return twilio_error(400, err.code, err.message)
        token = request.headers.get(IDEMPOTENCY_HEADER)
        fault = config.fault_plan(PROVIDER).verdict(token)
        if fault == "error":
            outbox.record(PROVIDER, "sms.fault", f"SMS to {to}: answered 500 (flaky provider)", {"form": form})
            return twilio_error(500, 20500, "An internal server error has occurred")
        if (earlier := standin.replay(token)) is not None:
            # The same token again (our answer was lost): the message as it is now, not a second SMS.
            outbox.record(PROVIDER, "sms.replayed", f"SMS to {to}: token seen, {earlier['sid']} again", earlier)
            return JSONResponse(earlier, status_code=201)
        message = standin.new_message(form, token)
        segments, encoding = segment_count(message["body"])
        outbox.record(
            PROVIDER,
            "sms",
            f"SMS to {message['to']} ({segments} {encoding} segment(s)): {message['body'][:80]}",
            {**message, "encoding": encoding, "status_callback": form.get("StatusCallback"), "token": token},
        )
        play = threading.Thread(
            target=standin.play_lifecycle,
            args=(message["sid"], form.get("StatusCallback") or None),
            name=f"twilio-{message['sid']}",
            daemon=True,
        )
        if fault == "hang":  # sent to the phone, but the answer never comes in time
            play.start()
            await asyncio.sleep(config.fault_hang_seconds)
        else:
            # BackgroundTasks run after the response is sent; the thread keeps the request cycle short.
            background.add_task(play.start)
        return JSONResponse(message, status_code=201)

    @router.get("/Messages.json")
    def list_messages(account_sid: str, request: Request) -> JSONResponse:
        if (denied := standin.authenticate(request, account_sid)) is not None:
            return denied
        try:
            return JSONResponse(standin.list_page(dict(request.query_params)))
        except ValueError:
            return twilio_error(400, 20001, "Invalid Page or PageSize")

    @router.get("/Messages/{message_sid}.json")
    def fetch_message(account_sid: str, message_sid: str, request: Request) -> JSONResponse:
        if (denied := standin.authenticate(request, account_sid)) is not None:
            return denied
        message = standin.state.snapshot(message_sid)
        if message is None:
            return twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
        return JSONResponse(message)

    @router.get("/Balance.json")
    def fetch_balance(account_sid: str, request: Request) -> JSONResponse:
        if (denied := standin.authenticate(request, account_sid)) is not None:
            return denied
        return JSONResponse(standin.balance())

    return router


# --- inbound SMS: a phone texting the app, as Twilio delivers it -------------------------------------------------

INBOUND_PATH = "/api/notifications/sms/inbound"  # the app's webhook (the number's "A message comes in" URL)
SANDBOX_INBOUND_NUMBER = "+15005550006"  # the number people text: the sandbox sender
MAX_REPEATS = 5  # a demo of Twilio delivering the same message again


def inbound_params(config: SandboxConfig, sender: str, body: str, to: str | None = None) -> dict[str, str]:
    """The form Twilio posts to a messaging webhook for one incoming SMS."""
    sid = "SM" + secrets.token_hex(16)
    segments, _encoding = segment_count(body or " ")
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to or SANDBOX_INBOUND_NUMBER,
        "NumSegments": str(segments),
        "MessageSid": sid,
        "AccountSid": config.twilio_account_sid,
        "From": sender,
        "ApiVersion": API_VERSION,
    }


def make_inbound_router(config: SandboxConfig, outbox: Outbox) -> APIRouter:
    """`POST /sandbox/twilio/inbound` {"from", "body", "to"?, "repeat"?}: sign and post an incoming SMS to the
    app's webhook exactly as Twilio would (repeat > 1 delivers the same MessageSid again, as Twilio's retries do)."""
    router = APIRouter(prefix="/sandbox/twilio", tags=["twilio"])

    @router.post("/inbound")
    async def simulate_inbound(request: Request) -> JSONResponse:
        try:
            spec = await request.json()
            sender, body = str(spec["from"]).strip(), str(spec["body"])
            repeat = max(1, min(int(spec.get("repeat", 1)), MAX_REPEATS))
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "send JSON with 'from' (E.164) and 'body'"}, status_code=400)
        if not E164.match(sender) or not body.strip() or len(body) > MAX_BODY_CHARS:
            return JSONResponse({"error": "'from' must be E.164 and 'body' 1-1600 characters"}, status_code=400)
        params = inbound_params(config, sender, body, spec.get("to"))
        url = config.app_url.rstrip("/") + INBOUND_PATH
        headers = {
            "X-Twilio-Signature": RequestValidator(config.twilio_auth_token).compute_signature(url, params),
            "User-Agent": "TwilioProxy/1.1",
        }
        answers = []
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_SECONDS) as client:
            for _ in range(repeat):
                try:
                    response = await client.post(url, data=params, headers=headers)
                    answers.append({"status_code": response.status_code, "body": response.text[:500]})
                except httpx.HTTPError as exc:
                    answers.append({"error": f"{type(exc).__name__}: {exc}"})
        outcome = answers[-1].get("status_code") or answers[-1].get("error")
        outbox.record(
            PROVIDER,
            "sms.inbound",
            f"SMS from {sender} to the app: {body[:60]} → {outcome}",
            {"url": url, "params": params, "answers": answers},
        )
        return JSONResponse({"message_sid": params["MessageSid"], "url": url, "answers": answers})

    return router
