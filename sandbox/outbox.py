"""What the stand-ins received: an in-memory, thread-safe log shown on the developer outbox page."""

import itertools
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

MAX_RECORDS = 5000  # a long demo run must not grow without bound


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    provider: str  # razorpay | twilio | webpush | smtp
    kind: str  # e.g. order.created, sms, push, email, webhook.sent
    summary: str  # one line a developer reads in the list
    detail: dict = field(default_factory=dict)  # the request/answer as the provider saw it
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))

    def as_dict(self) -> dict:
        return asdict(self)


class Outbox:
    def __init__(self, maxlen: int = MAX_RECORDS) -> None:
        self._records: deque[OutboxRecord] = deque(maxlen=maxlen)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, provider: str, kind: str, summary: str, detail: dict | None = None) -> OutboxRecord:
        with self._lock:
            item = OutboxRecord(next(self._ids), provider, kind, summary, detail or {})
            self._records.append(item)
            return item

    def list(self, provider: str | None = None, kind: str | None = None, limit: int = 200) -> list[OutboxRecord]:
        """Newest first."""
        with self._lock:
            items = [r for r in reversed(self._records) if provider in (None, r.provider) and kind in (None, r.kind)]
        return items[:limit]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
