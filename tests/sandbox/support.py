"""Shared by the stand-in tests: serving an app of the test's own, and polling for what arrives later."""

import time
from collections.abc import Callable
from typing import TypeVar

from sandbox.server import ServedApp as Served  # noqa: F401 - re-exported for the tests

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout: float = 5.0) -> T:
    """Poll `probe` until it returns something truthy (short interval: the stand-ins step every 50 ms)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# Twilio's published X-Twilio-Signature example: (auth token, URL, POST params, signature).
TWILIO_SIGNATURE_VECTOR = (
    "12345",
    "https://mycompany.com/myapp.php?foo=1&bar=2",
    {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    },
    "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
)
