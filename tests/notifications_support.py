"""Shared by the notification tests: people with the contacts a test needs, rows, a browser's push keys."""

import base64
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.notifications import NotificationHistory
from tests.factories import make_user

T = TypeVar("T")


def person(
    *, phone: str | None = None, email: str | None = None, district: str = "Nashik", role: str = "farmer", **kw
) -> User:
    """A user; `phone` may be one of Twilio's US test numbers, which registration (India only) refuses."""
    user = make_user(role, district=district, **kw)
    with session_scope() as session:
        row = session.get(User, user.id)
        if phone:
            row.phone = phone
        row.email = email
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


def rows(**where: object) -> list[NotificationHistory]:
    with session_scope() as session:
        stmt = select(NotificationHistory).order_by(col(NotificationHistory.id))
        for name, value in where.items():
            stmt = stmt.where(getattr(NotificationHistory, name) == value)
        return list(session.exec(stmt).all())


def row(delivery_id: int) -> NotificationHistory:
    with session_scope() as session:
        return session.get(NotificationHistory, delivery_id)


def wait_for(probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_device(sandbox_url: str, behaviour: str = "ok") -> dict:
    """Register a device at the push stand-in with the test's own key pair, as a browser would."""
    key = ec.generate_private_key(ec.SECP256R1())
    spec = {
        "private_key": b64(key.private_numbers().private_value.to_bytes(32, "big")),
        "auth": b64(b"kisaan-auth-0123"),
        "behaviour": behaviour,
    }
    answer = httpx.post(f"{sandbox_url}/sandbox/push/devices", json=spec, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def device_messages(sandbox_url: str, subscription: dict) -> list[dict]:
    token = subscription["endpoint"].rsplit("/", 1)[1]
    return httpx.get(f"{sandbox_url}/sandbox/push/devices/{token}/messages", timeout=10).json()
