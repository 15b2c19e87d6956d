"""How large a request body each route accepts. One table, so a new upload route is one line here."""

import re
from dataclasses import dataclass

from kisaan_app.api.feeds import MAX_CSV_BYTES
from kisaan_app.services.market import photos
from kisaan_app.settings import get_settings

MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and a file name around the file itself
TEMPLATE_MAX_BYTES = 256 * 1024  # a Hindi HTML email template, JSON-escaped, is several times its text


@dataclass(frozen=True)
class BodyLimitRule:
    limit: int
    code: str = "body_too_large"  # the error code a refusal carries


def _rules() -> tuple[tuple[re.Pattern[str], BodyLimitRule], ...]:
    settings = get_settings()
    photo = BodyLimitRule(photos.max_bytes() + MULTIPART_OVERHEAD)
    webhook = BodyLimitRule(settings.webhook_max_bytes, "webhook_too_large")
    return (
        (re.compile(r"/api/market/listings/\d+/photo"), photo),
        (re.compile(r"/_upload"), photo),  # Reflex's upload endpoint: the listing photo from the page
        (re.compile(r"/api/voice/command"), BodyLimitRule(settings.voice_command_max_kb * 1024 + MULTIPART_OVERHEAD)),
        (re.compile(r"/api/prices/import"), BodyLimitRule(MAX_CSV_BYTES + MULTIPART_OVERHEAD)),
        (re.compile(r"/api/members/imports"), BodyLimitRule(settings.member_import_max_bytes + MULTIPART_OVERHEAD)),
        (re.compile(r"/api/notifications/(templates(/.*)?|email/template)"), BodyLimitRule(TEMPLATE_MAX_BYTES)),
        (re.compile(r"/api/payments/(webhook|callback)|/api/notifications/sms/(status|inbound)"), webhook),
    )


def body_limit_for(path: str) -> BodyLimitRule:
    """The most bytes a request to this path may send; everything else gets the JSON default."""
    for pattern, rule in _rules():
        if pattern.fullmatch(path):
            return rule
    return BodyLimitRule(get_settings().body_max_bytes)
