"""Protocol facts the app owns (kisaan_app/providers): SMS segments as Twilio bills them, and the HTTP client
that points the Twilio SDK at another endpoint. The Twilio stand-in's tests exercise both against the SDK."""

import pytest

from kisaan_app.providers.sms_segments import segment_count
from kisaan_app.providers.twilio_http import TwilioEndpointHttpClient


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Mandi bhav: wheat 2275/qtl", (1, "GSM-7")),
        ("a" * 160, (1, "GSM-7")),
        ("a" * 161, (2, "GSM-7")),
        ("a" * 306, (2, "GSM-7")),
        ("a" * 307, (3, "GSM-7")),
        ("{" * 80, (1, "GSM-7")),  # extension characters cost two septets: 160
        ("{" * 81, (2, "GSM-7")),
        ("गेहूं का भाव" + "क" * 58, (1, "UCS-2")),  # 70 UTF-16 units
        ("क" * 71, (2, "UCS-2")),
        ("क" * 134, (2, "UCS-2")),
        ("क" * 135, (3, "UCS-2")),
        ("ok 🌾", (1, "UCS-2")),
    ],
)
def test_segment_count(body: str, expected: tuple[int, str]) -> None:
    assert segment_count(body) == expected


def test_http_client_rewrites_only_twilio_hosts() -> None:
    client = TwilioEndpointHttpClient("http://127.0.0.1:9999", timeout=5)
    assert (
        client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?Page=1")
        == "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json?Page=1"
    )
    assert client.rewrite("https://messaging.dublin.ie1.twilio.com/v1/x").startswith("http://127.0.0.1:9999/v1/x")
    assert client.rewrite("https://eviltwilio.com/x") == "https://eviltwilio.com/x"
