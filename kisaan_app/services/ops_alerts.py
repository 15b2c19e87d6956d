"""Alerts from Prometheus reach the app's admins through notify(), like any other system message.

Alertmanager posts a group of alerts to the webhook (api/ops.py) and posts it again every repeat_interval and
on every change. Each (alert, start) is told once: the idempotency key is built from the alert's fingerprint and
start time, so a repeat adds nothing, and a resolution is told once more under its own key.
"""

import hashlib
from dataclasses import dataclass

from sqlmodel import Session

from kisaan_app.services.notifications.audience import Audience
from kisaan_app.services.notifications.dispatch import notify

MAX_ALERTS = 50  # one post; Alertmanager's default group limit is far below this
MAX_TEXT = 480


@dataclass(frozen=True)
class Alert:
    status: str  # firing | resolved
    name: str
    severity: str
    summary: str
    fingerprint: str
    starts_at: str


def _key(alert: Alert) -> str:
    digest = hashlib.sha256(f"{alert.fingerprint}|{alert.name}|{alert.starts_at}".encode()).hexdigest()[:32]
    return f"alert:{alert.status}:{digest}"


def text_of(alert: Alert) -> str:
    state = "FIRING" if alert.status == "firing" else "RESOLVED"
    return f"[{state}] {alert.name} ({alert.severity}): {alert.summary}"[:MAX_TEXT]


def tell_admins(session: Session, alerts: list[Alert]) -> int:
    """Notify every admin of each new firing or resolved alert; returns how many messages were written.
    Critical alerts that fire go out on every channel an admin has (SMS and push included); the rest in-app
    and by email."""
    written = 0
    for alert in alerts[:MAX_ALERTS]:
        critical = alert.status == "firing" and alert.severity == "critical"
        result = notify(
            session,
            None,
            Audience(role="admin"),
            "system",
            subject=f"Kisaansay alert: {alert.name}"[:200],
            text=text_of(alert),
            channels=["in_app", "email", "push", "sms"] if critical else ["in_app", "email"],
            critical=critical,
            idempotency_key=_key(alert),
            url="/admin/live",
        )
        written += sum(result.deliveries.values())
    return written
