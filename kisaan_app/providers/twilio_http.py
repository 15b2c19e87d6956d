"""The Twilio SDK has no base-URL setting: this HTTP client points it at any Twilio-shaped endpoint.

`twilio.rest.Client(sid, token, http_client=TwilioEndpointHttpClient(url, timeout=10))` then behaves exactly as
against Twilio: same requests, auth, parsing and exceptions; only the host differs. The app uses it for the
local stand-in; tests and benches use it too.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse

# The header Twilio itself puts on the webhooks it retries. Its Messages API documents no idempotency key for
# creates, so real Twilio ignores it; our stand-in answers a repeated token with the message it already made.
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_token: ContextVar[str | None] = ContextVar("twilio_idempotency_token", default=None)


@contextmanager
def idempotency_token(value: str) -> Iterator[None]:
    """Every POST the SDK makes inside this block carries `value` as its idempotency token (the SDK's
    create() has no header argument)."""
    reset = _token.set(value)
    try:
        yield
    finally:
        _token.reset(reset)


class KeyedTwilioHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, adding the idempotency token of the surrounding `idempotency_token` block."""

    def request(self, method: str, url: str, params=None, data=None, headers=None, *args, **kwargs) -> TwilioResponse:  # type: ignore[override]
        token = _token.get()
        if token and method.upper() == "POST":
            headers = {**(headers or {}), IDEMPOTENCY_HEADER: token}
        return super().request(method, url, params, data, headers, *args, **kwargs)


class TwilioEndpointHttpClient(KeyedTwilioHttpClient):
    """The SDK's own HTTP client, with every https://*.twilio.com URL redirected to `base_url`."""

    def __init__(self, base_url: str, timeout: float | None = None, **kwargs: object) -> None:
        super().__init__(timeout=timeout, **kwargs)  # type: ignore[arg-type]
        self.base_url = base_url.rstrip("/")

    def rewrite(self, url: str) -> str:
        """Point a Twilio URL at `base_url`, keeping path and query; other URLs pass through unchanged."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not (host == "twilio.com" or host.endswith(".twilio.com")):
            return url
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> TwilioResponse:
        return super().request(method, self.rewrite(url), *args, **kwargs)  # type: ignore[arg-type]
