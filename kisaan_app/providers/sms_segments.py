"""How many SMS segments a text takes, and in which encoding, by the rules Twilio bills by.

The template preview shows it before a send; the Twilio stand-in uses the same counting for `num_segments`.
"""

import math

# GSM 03.38 default alphabet; the extension table's characters cost two septets (escape + char).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def segment_count(body: str) -> tuple[int, str]:
    """How many SMS segments `body` takes and in which encoding ("GSM-7" or "UCS-2"), as Twilio bills it."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        septets = sum(2 if ch in GSM7_EXTENSION else 1 for ch in body)
        # A multi-part message loses 7 septets per part to the concatenation header (160 → 153).
        return (1 if septets <= 160 else math.ceil(septets / 153)), "GSM-7"
    # UCS-2 counts UTF-16 code units, so an emoji (a surrogate pair) costs two.
    units = len(body.encode("utf-16-le")) // 2
    return (1 if units <= 70 else math.ceil(units / 67)), "UCS-2"
