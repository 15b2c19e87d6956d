"""The sandbox Razorpay's shared vocabulary: ids, signatures, the error shape and request checks.

Checks use Razorpay's wording where it is known, and refuse unknown fields as Razorpay does, so a typo in the
app's request body fails in tests instead of in production.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

PROVIDER = "razorpay"
MIN_AMOUNT = 100  # paise: Razorpay refuses anything under ₹1.00
MAX_RECEIPT = 40
MAX_NOTES = 15
MAX_NOTE_VALUE = 256
METHODS = ("upi", "card", "netbanking")
_ID_ALPHABET = string.ascii_letters + string.digits
# Fields each create call accepts; anything else is refused, as Razorpay does, so typos surface in tests.
ORDER_FIELDS = frozenset(
    {"amount", "currency", "receipt", "notes", "partial_payment", "first_payment_min_amount", "payment_capture"}
)
LINK_FIELDS = frozenset(
    {"amount", "currency", "accept_partial", "first_min_partial_amount", "description", "customer", "reference_id"}
    | {"notify", "reminder_enable", "notes", "callback_url", "callback_method", "expire_by", "upi_link", "options"}
)
QR_FIELDS = frozenset(
    {"type", "name", "usage", "fixed_amount", "payment_amount", "description", "customer_id", "close_by", "notes"}
)


def new_id(prefix: str) -> str:
    """A Razorpay-style id: prefix, underscore, 14 alphanumerics (e.g. order_Nq3v8WcVxY2kLm)."""
    return f"{prefix}_{''.join(secrets.choice(_ID_ALPHABET) for _ in range(14))}"


def sign(secret: str, message: str | bytes) -> str:
    """Hex HMAC-SHA256, the one primitive behind every Razorpay signature (checkout, links, webhooks)."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def now() -> int:
    return int(time.time())


class RazorpayError(Exception):
    """A refusal in Razorpay's error shape; the SDK picks the exception class from `code`."""

    def __init__(
        self,
        description: str,
        *,
        status: int = 400,
        field: str | None = None,
        source: str = "business",
        reason: str = "input_validation_failed",
        code: str = "BAD_REQUEST_ERROR",
    ) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.field = field
        self.source = source
        self.reason = reason
        self.code = code

    def body(self) -> dict:
        error: dict[str, Any] = {
            "code": self.code,
            "description": self.description,
            "source": self.source,
            "step": "payment_initiation",
            "reason": self.reason,
            "metadata": {},
        }
        if self.field:
            error["field"] = self.field
        return {"error": error}


def not_found() -> RazorpayError:
    return RazorpayError("The id provided does not exist", status=404, field="id")


# --- input checks (Razorpay's wording where known) ----------------------------------------------------------------


def only(body: dict, allowed: Iterable[str]) -> None:
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise RazorpayError(f"{', '.join(extra)} is/are not required and should not be sent", field=extra[0])


def amount_of(body: dict, key: str = "amount", *, required: bool = True) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise RazorpayError(f"The {key} field is required.", field=key)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RazorpayError(f"The {key} must be an integer.", field=key)
    if value < MIN_AMOUNT:
        raise RazorpayError(f"The {key} must be atleast INR 1.00", field=key)
    return value


def currency_of(body: dict, *, required: bool = False) -> str:
    if required and "currency" not in body:
        raise RazorpayError("The currency field is required.", field="currency")
    currency = body.get("currency", "INR")
    if currency != "INR":
        raise RazorpayError("The sandbox supports only INR (currency is not supported)", field="currency")
    return currency


def text_of(body: dict, key: str, max_len: int, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise RazorpayError(f"The {key} field is required.", field=key)
        return None
    if not isinstance(value, str):
        raise RazorpayError(f"The {key} must be a string.", field=key)
    if len(value) > max_len:
        raise RazorpayError(f"The {key} may not be greater than {max_len} characters.", field=key)
    return value


def notes_of(body: dict) -> dict:
    notes = body.get("notes") or {}  # PHP-born clients send [] for "no notes"; Razorpay accepts it
    if not isinstance(notes, dict):
        raise RazorpayError("The notes must be an object of key-value pairs.", field="notes")
    if len(notes) > MAX_NOTES:
        raise RazorpayError(f"Number of notes should not exceed {MAX_NOTES}", field="notes")
    for key, value in notes.items():
        if isinstance(value, dict | list) or len(str(value)) > MAX_NOTE_VALUE:
            raise RazorpayError(f"The notes.{key} must be a string of at most {MAX_NOTE_VALUE} characters.")
    return dict(notes)


def bool_of(body: dict, key: str, default: bool = False) -> bool:
    value = body.get(key, default)
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    if not isinstance(value, bool):
        raise RazorpayError(f"The {key} field must be true or false.", field=key)
    return value


def future_of(body: dict, key: str, min_seconds: int) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RazorpayError(f"The {key} must be a unix timestamp.", field=key)
    if value < now() + min_seconds:
        raise RazorpayError(f"{key} should be at least {min_seconds // 60} minutes after current time", field=key)
    return value


def is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def collection(items: list[dict]) -> dict:
    return {"entity": "collection", "count": len(items), "items": items}
