"""What each live topic carries: one small frozen dataclass per topic, built by the publisher, parsed by the reader.

The wire form is a flat JSON object (what SSE clients and stored `RealTimeEvent` rows hold), so `to_dict` and
`from_dict` are the only two ways across. Parsing is strict about what a reader relies on (required fields,
their types) and lenient about the rest (unknown keys are ignored, so a newer publisher does not break an
older reader). A payload that does not parse raises `BadPayload`; readers log it and skip the event.
"""

import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import timedelta
from typing import Any, ClassVar, Self

PAYLOAD_TYPES: dict[str, type["LivePayload"]] = {}  # topic -> its payload class, filled by subclassing


class BadPayload(ValueError):
    """A stored or received payload that does not match its topic's shape."""


@dataclass(frozen=True)
class LivePayload:
    topic: ClassVar[str]
    ttl: ClassVar[timedelta] = timedelta(hours=24)  # how long the stored event serves replay and catch-up

    def __init_subclass__(cls, *, topic: str = "", ttl: timedelta | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if topic:
            if topic in PAYLOAD_TYPES:
                raise TypeError(f"two payload types for topic {topic!r}")
            cls.topic = topic
            PAYLOAD_TYPES[topic] = cls
        if ttl is not None:
            cls.ttl = ttl

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        wire = {}
        for f in fields(self):
            if data[f.name] is not None or not f.metadata.get("omit_none"):
                wire[_wire(f)] = data[f.name]
        return wire

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise BadPayload(f"{cls.topic}: payload is {type(data).__name__}, not an object")
        hints = typing.get_type_hints(cls)
        values = {}
        for f in fields(cls):
            key = _wire(f)
            if key not in data:
                if f.default is MISSING and f.default_factory is MISSING:
                    raise BadPayload(f"{cls.topic}: {key!r} is missing")
                continue
            value = data[key]
            if not _fits(value, hints[f.name]):
                raise BadPayload(f"{cls.topic}: {key!r} is {value!r}, not {hints[f.name]}")
            values[f.name] = value
        return cls(**values)


def optional(**metadata: Any) -> Any:
    """A field left out of the wire form while it is None: one topic, two shapes (e.g. a warning and its cancel)."""
    return field(default=None, metadata={"omit_none": True, **metadata})


def _wire(f) -> str:
    return f.metadata.get("wire", f.name)


def _fits(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:  # dict[...], list[...]: the container's type is what a reader relies on
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def parse_payload(topic: str, data: Any) -> LivePayload:
    kind = PAYLOAD_TYPES.get(topic)
    if kind is None:
        raise BadPayload(f"unknown topic {topic!r}")
    return kind.from_dict(data)


# ---------------------------------------------------------------- the topics


@dataclass(frozen=True)
class PriceTick(LivePayload, topic="price", ttl=timedelta(hours=2)):
    """A mandi price for one commodity/market/variety series (to everyone; the hub coalesces bursts)."""

    commodity: str
    market: str
    modal_paise: int
    variety: str | None = None
    district: str = ""
    state: str = ""
    arrival_date: str | None = None  # ISO date
    min_paise: int | None = None
    max_paise: int | None = None
    change_paise: int | None = None
    direction: str | None = None  # up | down | same


@dataclass(frozen=True)
class WeatherUpdate(LivePayload, topic="weather"):
    """A district weather warning issued to one farmer, or (cancelled=True, id only) its withdrawal."""

    id: int
    cancelled: bool | None = optional()
    district: str | None = optional()
    severity: str | None = optional()
    title: str | None = optional()
    message: str | None = optional()
    valid_from: str | None = optional()  # ISO datetimes
    valid_until: str | None = optional()


@dataclass(frozen=True)
class CropHealthUpdate(LivePayload, topic="crop_health"):
    """A crop-health report (by the farmer or a sensor rule), to the farmer and their FPO's admins."""

    id: int
    farmer_id: int
    crop: str
    issue_type: str
    severity: str
    source: str
    note: str | None = None
    farmer_name: str | None = None


@dataclass(frozen=True)
class ImportProgress(LivePayload, topic="member_import"):
    """A member import moved on (services/onboarding/runner.py), to its FPO's admins: the progress bar."""

    import_id: int
    status: str
    done: int
    total: int
    created: int


@dataclass(frozen=True)
class InboxChange(LivePayload, topic="notification"):
    """The reader's in-app inbox changed: a new message (id, title, ...) or messages marked read (read=True)."""

    id: int | None = optional()
    category: str | None = optional()
    title: str | None = optional()
    critical: bool | None = optional()
    read: bool | None = optional()


@dataclass(frozen=True)
class SystemMessage(LivePayload, topic="system"):
    """An admin's broadcast, shown as a banner in every open page of its audience."""

    message: str
    level: str = "info"
    sender: str | None = field(default=None, metadata={"wire": "from"})


@dataclass(frozen=True)
class MarketChange(LivePayload, topic="bid"):
    """A listing or one of its bids moved (created, bid placed/countered/accepted/..., closed)."""

    kind: str
    listing_id: int
    status: str  # the bid's status for a bid event, else the listing's
    remaining: float | None = None
    bid_id: int | None = None
    price_paise: int | None = None
    quantity: float | None = None


@dataclass(frozen=True)
class OrderChange(LivePayload, topic="order"):
    """A marketplace order was made or moved a step (accepted, dispatched, delivered, cancelled, ...)."""

    kind: str
    order_id: int
    order_number: str
    status: str
    listing_id: int
    bid_id: int | None = None


@dataclass(frozen=True)
class PaymentChange(LivePayload, topic="payment"):
    """A payment moved a state (or was refunded); screens reload the row from the database."""

    receipt: str
    status: str
    refunded_paise: int = 0


@dataclass(frozen=True)
class CampaignUpdate(LivePayload, topic="campaign"):
    """A bulk send's figures, to the admin who started it."""

    campaign_id: int
    total: int
    pending: int
    sent: int
    delivered: int
    failed: int
    done: bool
    status: str = "queued"
    per_channel: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionChange(LivePayload, topic="session", ttl=timedelta(hours=1)):
    """Someone's sign-in changed (logout, password change or reset, deactivation, role or organisation change).

    It names no session: every open tab and stream of that person re-checks its own credential against the
    database, and those no longer valid (or seeing with another role or organisation) end at once.
    """

    reason: str
