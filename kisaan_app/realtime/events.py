"""Events and the one way to publish them: stored as RealTimeEvent rows, handed to the bus only after commit
(through db.on_commit, the hook jobs use too).

An event never announces something that was rolled back; a reader that missed one can replay the stored rows.
"""

import json
import logging
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlmodel import Session

from kisaan_app.db import on_commit, session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime.payloads import PAYLOAD_TYPES, BadPayload, LivePayload, parse_payload

log = logging.getLogger(__name__)
ALL = "all"
TOPICS = tuple(PAYLOAD_TYPES)  # one payload type per topic (realtime/payloads.py)
DEFAULT_TTL = timedelta(hours=24)
_TARGET = re.compile(r"^(all|user:\d+|org:\d+|managers:\d+)$")
MANAGER_ROLES = ("org_admin",)  # who listens on an organisation's `managers:{id}` address


@dataclass(frozen=True)
class Event:
    target: str
    topic: str
    payload: dict
    id: int | None = None  # the RealTimeEvent id: SSE `id:` and the replay cursor
    created_at: datetime = field(default_factory=utcnow)

    def to_json(self) -> str:
        data = {f.name: getattr(self, f.name) for f in fields(Event)}  # the wire form, never a parsed payload
        data["created_at"] = self.created_at.isoformat()
        return json.dumps(data, separators=(",", ":"), default=str)

    @classmethod
    def from_json(cls, raw: str | bytes) -> "Event":
        data = json.loads(raw)
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        return cls(**data)


@dataclass(frozen=True)
class LiveEvent(Event):
    """An event with its payload parsed into the topic's type: what live states apply."""

    data: LivePayload | None = None


def parse(event: Event) -> LiveEvent | None:
    """The event with its typed payload; None (logged) when the payload does not fit its topic."""
    if isinstance(event, LiveEvent):
        return event
    try:
        data = parse_payload(event.topic, event.payload)
    except BadPayload as err:
        log.warning("skipping live event %s: %s", event.id, err)
        return None
    return LiveEvent(**{f.name: getattr(event, f.name) for f in fields(Event)}, data=data)


def user_target(user_id: int) -> str:
    return f"user:{user_id}"


def org_target(organization_id: int) -> str:
    return f"org:{organization_id}"


def managers_target(organization_id: int) -> str:
    """An FPO's admins only: for events carrying one member's figures (bids, payments, crop health), which the
    organisation's other members may not see through the REST API."""
    return f"managers:{organization_id}"


def targets_for(user_id: int, organization_id: int | None, role: str | None = None) -> list[str]:
    """Every address a person listens on: themselves, their organisation (and its managers' address, for an
    org admin), everyone."""
    targets = [user_target(user_id), ALL]
    if organization_id:
        targets.insert(1, org_target(organization_id))
        if role in MANAGER_ROLES:
            targets.insert(2, managers_target(organization_id))
    return targets


def _check(target: str, topic: str) -> None:
    if not _TARGET.match(target):
        raise ValueError(f"bad event target {target!r}: use all, user:<id>, org:<id> or managers:<id>")
    if topic not in TOPICS:
        raise ValueError(f"unknown event topic {topic!r}")


def publish_on_commit(
    session: Session, target: str, topic: str, payload: dict, *, ttl: timedelta = DEFAULT_TTL
) -> Event:
    """Store the event in this transaction; the bus gets it after COMMIT (never if the transaction rolls back).

    The transport, shape-blind: services call `send_on_commit` with a typed payload instead.
    """
    _check(target, topic)
    row = RealTimeEvent(target=target, topic=topic, payload=payload, expires_at=utcnow() + ttl)
    session.add(row)
    session.flush()  # assigns the id the event carries
    from kisaan_app.realtime.bus import get_bus

    get_bus().claim(row.id)
    event = Event(target=target, topic=topic, payload=payload, id=row.id, created_at=row.created_at)
    on_commit(session, _hand_to_bus, event)
    return event


def send_on_commit(session: Session, target: str, payload: LivePayload) -> Event:
    """How services announce a change: the topic's typed payload to `target`, after COMMIT."""
    return publish_on_commit(session, target, payload.topic, payload.to_dict(), ttl=payload.ttl)


def send_now(target: str, payload: LivePayload) -> Event:
    """A typed payload outside any caller's transaction (jobs, the demo ticker)."""
    return publish_now(target, payload.topic, payload.to_dict(), ttl=payload.ttl)


def publish_now(target: str, topic: str, payload: dict, *, ttl: timedelta = DEFAULT_TTL) -> Event:
    """Publish outside any caller's transaction (jobs, the demo ticker)."""
    with session_scope() as session:
        return publish_on_commit(session, target, topic, payload, ttl=ttl)


def _hand_to_bus(event: Event) -> None:
    from kisaan_app.realtime.bus import get_bus

    get_bus().publish(event)
