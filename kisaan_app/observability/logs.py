"""Log lines for machines: one JSON object per line with the trace and span ids, and nothing a log reader
should not hold (secrets are dropped, phone numbers keep their last three digits).

KISAAN_LOG_FORMAT=json (the default in prod) or text; KISAAN_LOG_LEVEL. The masking applies to both formats.
Outside prod, with KISAAN_LOG_FORMAT unset, logging is left as Reflex, uvicorn and huey set it up (and as the
test runner has it).
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime

from kisaan_app.observability import tracing

# An Indian mobile in any usual spelling (+91 98765 43210, 09876543210, 9876543210) or any other E.164 number.
_PHONE = re.compile(r"(?<![\w.])(?:\+\d[\d\s-]{7,15}\d|0?[6-9]\d{9})(?![\w.])")
# key=value, "key": "value" and Authorization headers whose key names a secret.
_SECRET = re.compile(
    r"""(?ix)
    (?P<key>["']?[\w-]*(?:password|passwd|secret|token|api[_-]?key|authorization|cookie|signature|otp|code)[\w-]*["']?
       \s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|Bearer\s+\S+|[^\s,;&}]+)
    """
)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return ("+" if match.group(0).startswith("+") else "") + "*" * (len(digits) - 3) + digits[-3:]


def scrub(text: str) -> str:
    """The text with secrets replaced by *** and phone numbers masked."""
    text = _SECRET.sub(lambda m: m.group("key") + "***", text)
    return _PHONE.sub(_mask_phone, text)


def _exception_text(record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        return scrub(logging.Formatter().formatException(record.exc_info))
    return scrub(record.exc_text) if record.exc_text else None


class TextFormatter(logging.Formatter):
    """The usual one-line text, masked. Records are never changed: other handlers see them as logged."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": scrub(record.getMessage()),
        }
        current = tracing.ids()
        if current:
            line["trace_id"], line["span_id"] = current
        for key, value in vars(record).items():  # `extra={...}` fields, scrubbed like the message
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = scrub(value) if isinstance(value, str) else value
        if exception := _exception_text(record):
            line["exception"] = exception
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(fmt: str, level: str = "INFO", stream=None) -> logging.Handler:
    """Replace the root logger's handlers by one that writes `fmt` ("json" or "text") lines to stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    if fmt == "json":  # the huey consumer gives its logger a text handler of its own: one format per process
        huey_log = logging.getLogger("huey")
        for old in list(huey_log.handlers):
            huey_log.removeHandler(old)
        huey_log.propagate = True
    return handler
