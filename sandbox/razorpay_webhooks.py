"""Razorpay webhooks from the sandbox: built and signed exactly like Razorpay's, delivered off the request path.

`build_webhook` makes one signed delivery (raw body + headers); the app must verify X-Razorpay-Signature over
those raw bytes. `WebhookDispatcher` keeps every event it made, delivers them from one background worker in the
order they happened (retrying failures), or — with `config.send_webhooks` off — holds them as pending so a test
or developer can release them later, newest first if they want out-of-order delivery, or redeliver any event as
a duplicate with the same event id.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from sandbox.outbox import Outbox
from sandbox.razorpay_core import PROVIDER, new_id, now, sign

if TYPE_CHECKING:  # server.py imports the stand-ins; a runtime import back would be circular
    from sandbox.server import SandboxConfig

ACCOUNT_ID = "acc_sandbox"
ATTEMPTS = 3  # Razorpay retries for a day; three quick tries show the same behaviour in seconds
BACKOFF_SECONDS = (0.1, 0.3)  # pause before the 2nd and 3rd attempt
TIMEOUT_SECONDS = 5.0
WORKER_IDLE_SECONDS = 30.0  # the worker thread exits when idle and restarts on the next event
MAX_EVENTS = 2000  # a long demo run must not grow without bound


def build_webhook(
    secret: str,
    event: str,
    payload_entities: dict[str, dict],
    *,
    event_id: str | None = None,
    created_at: int | None = None,
    account_id: str = ACCOUNT_ID,
) -> tuple[bytes, dict[str, str]]:
    """One Razorpay webhook delivery: (raw JSON body, headers with X-Razorpay-Signature and x-razorpay-event-id).

    `payload_entities` maps entity names to entities, e.g. {"payment": {...}, "order": {...}}; its order is the
    event's "contains" list.
    """
    body = {
        "entity": "event",
        "account_id": account_id,
        "event": event,
        "contains": list(payload_entities),
        "payload": {name: {"entity": entity} for name, entity in payload_entities.items()},
        "created_at": created_at if created_at is not None else now(),
    }
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Razorpay-Signature": sign(secret, raw),
        "x-razorpay-event-id": event_id or new_id("evt"),
        "User-Agent": "Razorpay-Webhook/v1-sandbox",
    }
    return raw, headers


@dataclass
class WebhookEvent:
    """One event and its delivery history; redeliveries reuse `raw` and `headers` byte for byte."""

    id: str
    event: str
    raw: bytes
    headers: dict[str, str]
    created_at: int
    state: str = "queued"  # queued (worker will send) | pending (held) | delivered | failed
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "event": self.event,
            "state": self.state,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "body": json.loads(self.raw),
        }


class WebhookDispatcher:
    def __init__(self, config: SandboxConfig, outbox: Outbox) -> None:
        self.config = config
        self.outbox = outbox
        self._events: OrderedDict[str, WebhookEvent] = OrderedDict()
        self._queue: queue.Queue[WebhookEvent] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self.config.app_url.rstrip('/')}{self.config.razorpay_webhook_path}"

    def emit(self, event: str, entities: dict[str, dict]) -> WebhookEvent:
        """Sign and record an event; send it in the background, or hold it when send_webhooks is off."""
        raw, headers = build_webhook(self.config.razorpay_webhook_secret, event, entities)
        item = WebhookEvent(headers["x-razorpay-event-id"], event, raw, headers, now())
        with self._lock:
            self._events[item.id] = item
            while len(self._events) > MAX_EVENTS:
                self._events.popitem(last=False)
            if not self.config.send_webhooks:
                item.state = "pending"
                return item
            self._queue.put(item)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="razorpay-webhooks", daemon=True)
                self._worker.start()
        return item

    def _run(self) -> None:
        """One worker, so deliveries arrive in the order events happened (payment.captured before order.paid)."""
        while True:
            try:
                item = self._queue.get(timeout=WORKER_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:  # emit() starts a new worker under the same lock, so no event is stranded
                    if self._queue.empty():
                        self._worker = None
                        return
                continue
            self.deliver(item)

    def deliver(self, item: WebhookEvent) -> int | None:
        """POST the event up to ATTEMPTS times until the app answers 2xx; returns the last status (None: no answer)."""
        status: int | None = None
        for attempt in range(1, ATTEMPTS + 1):
            if attempt > 1:
                time.sleep(BACKOFF_SECONDS[min(attempt - 2, len(BACKOFF_SECONDS) - 1)])
            error = None
            try:
                answer = httpx.post(self.url, content=item.raw, headers=item.headers, timeout=TIMEOUT_SECONDS)
                status = answer.status_code
            except httpx.HTTPError as err:
                status, error = None, f"{type(err).__name__}: {err}"[:200]
            ok = status is not None and 200 <= status < 300
            with self._lock:
                item.attempts += 1
                item.last_status, item.last_error = status, error
                item.state = "delivered" if ok else "failed"
            detail = {"event_id": item.id, "event": item.event, "url": self.url, "attempt": attempt, "status": status}
            if ok:
                self.outbox.record(PROVIDER, "webhook.sent", f"{item.event} {item.id} → {status}", detail)
                break
            self.outbox.record(
                PROVIDER,
                "webhook.failed",
                f"{item.event} {item.id} attempt {attempt}/{ATTEMPTS} → {status or error}",
                {**detail, "error": error},
            )
        return status

    def get(self, event_id: str) -> WebhookEvent | None:
        with self._lock:
            return self._events.get(event_id)

    def redeliver(self, event_id: str) -> WebhookEvent | None:
        """Send a known event again, same body and event id: the duplicate the app must ignore."""
        item = self.get(event_id)
        if item is not None:
            self.deliver(item)
        return item

    def deliver_pending(self, newest_first: bool = False) -> list[WebhookEvent]:
        """Send the held events now, oldest first or newest first (out of order on purpose)."""
        with self._lock:
            held = [item for item in self._events.values() if item.state == "pending"]
            for item in held:
                item.state = "queued"  # claimed: a concurrent call must not send them too
        if newest_first:
            held.reverse()
        for item in held:
            self.deliver(item)
        return held

    def list(self) -> list[dict]:
        """Newest first, like the outbox."""
        with self._lock:
            items = list(reversed(self._events.values()))
        return [item.as_dict() for item in items]
