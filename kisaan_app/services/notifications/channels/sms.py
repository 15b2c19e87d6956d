"""SMS through the official Twilio SDK; without credentials its HTTP client points at the local stand-in."""

import logging
import time
from datetime import timedelta
from functools import lru_cache

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.providers.sandbox_keys import SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN
from kisaan_app.providers.twilio_http import KeyedTwilioHttpClient, TwilioEndpointHttpClient, idempotency_token
from kisaan_app.services.notifications.channels.base import (
    PermanentSendError,
    Sent,
    TransientSendError,
    provider_timeout,
    refuse_sandbox_in_prod,
)
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
STATUS_CALLBACK_PATH = "/api/notifications/sms/status"
LOOKUP_RECENT = 20  # a resend first looks among this many newest messages to the number
LOOKUP_CLOCK_SKEW = timedelta(minutes=2)  # Twilio's clock and ours may differ a little
# Twilio's message statuses as ours (the create answer and the status callbacks).
TWILIO_STATUS = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
}


def auth_token() -> str:
    settings = get_settings()
    if settings.sms_sandbox:
        return SANDBOX_TWILIO_AUTH_TOKEN
    return settings.twilio_auth_token or ""


@lru_cache
def _client(account_sid: str, token: str, standin_url: str | None, timeout: float) -> Client:
    if standin_url:
        http: KeyedTwilioHttpClient = TwilioEndpointHttpClient(standin_url, timeout=timeout)
    else:
        http = KeyedTwilioHttpClient(timeout=timeout)
    return Client(account_sid, token, http_client=http)


def client() -> Client:
    """The SDK client for the configured account (cached: it keeps a pooled HTTP session)."""
    settings = get_settings()
    if settings.sms_sandbox:
        refuse_sandbox_in_prod("sms")
        standin = f"http://127.0.0.1:{settings.sandbox_port}"
        return _client(SANDBOX_TWILIO_ACCOUNT_SID, auth_token(), standin, provider_timeout())
    return _client(settings.twilio_account_sid or "", auth_token(), None, provider_timeout())


def status_callback_url() -> str:
    return get_settings().public_url.rstrip("/") + STATUS_CALLBACK_PATH


def _twilio_error(err: TwilioRestException) -> TransientSendError | PermanentSendError:
    # 4xx are Twilio refusing this message (21211 invalid number, 21610 unsubscribed...): sending it again
    # cannot help. 429 and 5xx are Twilio being busy.
    error = TransientSendError if err.status == 429 or err.status >= 500 else PermanentSendError
    return error(str(err.code or err.status), err.msg or "")


def _sent(message) -> Sent:
    # A first answer says "queued"; a message found again (a resend) comes as it is now, perhaps already
    # delivered, its callbacks gone by while we did not yet know its sid.
    status = TWILIO_STATUS.get(message.status or "", DeliveryStatus.QUEUED)
    return Sent(message.sid, int(message.num_segments or 1), status=status)


def _made_by_an_earlier_try(delivery: NotificationHistory):
    """Before a resend: the message an earlier try may have created although its answer never reached us (the
    worker died, or the answer timed out). Twilio documents no idempotency key for creating messages, so look:
    the newest messages to this number, the same body, created after our row."""
    since = delivery.created_at - LOOKUP_CLOCK_SKEW
    for message in client().messages.list(to=delivery.recipient, limit=LOOKUP_RECENT):
        if message.body == delivery.body and message.date_created and message.date_created >= since:
            return message
    return None


def send(delivery: NotificationHistory) -> Sent:
    sender = get_settings().twilio_from
    origin = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
    try:
        if delivery.attempts > 1 and (earlier := _made_by_an_earlier_try(delivery)) is not None:
            log.info(
                "delivery %s: found the message an earlier try made (%s), not sending again", delivery.id, earlier.sid
            )
            return _sent(earlier)
        with idempotency_token(delivery.idempotency_key):
            message = client().messages.create(
                to=delivery.recipient, body=delivery.body, status_callback=status_callback_url(), **origin
            )
    except TwilioRestException as err:
        raise _twilio_error(err) from None
    except requests.RequestException as err:
        raise TransientSendError("sms_provider_unreachable", type(err).__name__) from None
    return _sent(message)


_balance_cache: dict[str, tuple[float, dict | None]] = {}
BALANCE_TTL_SECONDS = 60.0  # pages show it on every refresh; Twilio is asked at most once a minute


def balance() -> dict | None:
    """The account balance ({"balance": "19.99", "currency": "USD"}), or None when Twilio does not answer."""
    account = get_settings().twilio_account_sid or "sandbox"
    cached = _balance_cache.get(account)
    if cached and time.monotonic() - cached[0] < BALANCE_TTL_SECONDS:
        return cached[1]
    try:
        answer = client().api.v2010.account.balance.fetch()
        found: dict | None = {"balance": answer.balance, "currency": answer.currency}
    except (TwilioRestException, requests.RequestException, PermanentSendError):
        found = None
    _balance_cache[account] = (time.monotonic(), found)
    return found
