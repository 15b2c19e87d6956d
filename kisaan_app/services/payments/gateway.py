"""The Razorpay SDK client and signature checks. Without keys it points at the local stand-in (test mode).

Every call carries a timeout (the SDK has none) and provider failures become one domain error, so a page or
route shows "the payment service did not answer" instead of a stack trace.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError

from kisaan_app.providers import sandbox_keys
from kisaan_app.services.errors import DomainError
from kisaan_app.settings import get_settings

TIMEOUT_SECONDS = 10


class ProviderError(DomainError):
    """Razorpay did not answer, or answered with a server error."""

    status = 502
    code = "payment_provider_unavailable"


class ProviderRejected(ProviderError):
    """Razorpay refused the request as invalid (its BAD_REQUEST_ERROR)."""

    status = 400
    code = "payment_provider_rejected"


@dataclass(frozen=True)
class Credentials:
    key_id: str
    key_secret: str
    webhook_secret: str
    api_url: str
    sandbox: bool


def credentials() -> Credentials:
    settings = get_settings()
    if settings.payments_sandbox:
        return Credentials(
            sandbox_keys.SANDBOX_RAZORPAY_KEY_ID,
            sandbox_keys.SANDBOX_RAZORPAY_KEY_SECRET,
            sandbox_keys.SANDBOX_RAZORPAY_WEBHOOK_SECRET,
            f"http://127.0.0.1:{settings.sandbox_port}",
            sandbox=True,
        )
    return Credentials(
        settings.razorpay_key_id or "",
        settings.razorpay_key_secret or "",
        settings.razorpay_webhook_secret or "",
        settings.razorpay_base_url,
        sandbox=False,
    )


def client() -> razorpay.Client:
    creds = credentials()
    return razorpay.Client(auth=(creds.key_id, creds.key_secret), base_url=creds.api_url)


def call(method, *args: Any, **kwargs: Any) -> dict:
    """Run one SDK call with a timeout; map its failures to ProviderError (400 for our mistakes)."""
    try:
        return method(*args, timeout=TIMEOUT_SECONDS, **kwargs)
    except BadRequestError as err:
        raise ProviderRejected(reason=str(err)[:200]) from None
    except (GatewayError, ServerError, requests.RequestException, ValueError) as err:
        raise ProviderError(reason=type(err).__name__) from None


def hmac_hex(secret: str, message: str | bytes) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def _same(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given)


def checkout_signature_valid(order_id: str, payment_id: str, signature: str | None) -> bool:
    """Checkout's razorpay_signature: HMAC-SHA256(key_secret, "order_id|payment_id"), with OUR stored order id."""
    return _same(hmac_hex(credentials().key_secret, f"{order_id}|{payment_id}"), signature)


def link_signature_valid(link_id: str, reference_id: str, status: str, payment_id: str, signature: str | None) -> bool:
    """A payment link callback: HMAC-SHA256(key_secret, "link_id|reference_id|status|payment_id")."""
    message = f"{link_id}|{reference_id}|{status}|{payment_id}"
    return _same(hmac_hex(credentials().key_secret, message), signature)


def webhook_signature_valid(raw_body: bytes, signature: str | None) -> bool:
    """X-Razorpay-Signature: HMAC-SHA256(webhook_secret, raw body) — the bytes as received, never re-encoded."""
    return _same(hmac_hex(credentials().webhook_secret, raw_body), signature)
