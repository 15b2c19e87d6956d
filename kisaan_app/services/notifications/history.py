"""What reached whom: delivery rows filtered for admins (org admins: their organisation), one row's detail, stats."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, or_, select

from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import DeliveryStatus, Role
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.accounts.validation import check_day
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound
from kisaan_app.services.notifications.channels import sms

REACHED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ)
FAILED = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED)
STATS_CHANNELS = ("sms", "email", "push", "in_app")


@dataclass(frozen=True)
class HistoryFilter:
    channel: str | None = None
    status: str | None = None
    batch_id: str | None = None
    search: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        check_day(self.date_from, "date_from")
        check_day(self.date_to, "date_to")


@dataclass(frozen=True)
class DeliveryView:
    id: int
    created_at: datetime
    channel: str
    category: str
    status: str
    recipient: str
    user_id: int | None
    subject: str | None
    body: str
    batch_id: str | None
    attempts: int
    segments: int | None
    provider_message_id: str | None
    error_code: str | None
    error_message: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    is_critical: bool
    recipient_name: str = ""  # the person behind "user:9" or a phone number, when the delivery names one
    direction: str = "outbound"  # "inbound": an SMS the person sent us (an SMS command); recipient is the sender


@dataclass(frozen=True)
class ChannelStats:
    total: int
    sent: int
    delivered: int
    failed: int
    rate: float  # reached / total, 0..1 ("reached": SMS delivered, email/push accepted by their service)


@dataclass(frozen=True)
class StatsView:
    channels: dict[str, ChannelStats]
    by_day: list[dict]
    sms_balance: dict | None = None


def _names(session: Session, rows: list[NotificationHistory]) -> dict[int, str]:
    """Full names of the people the rows were sent to, in one query."""
    ids = {r.user_id for r in rows if r.user_id is not None}
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all())


def _view(r: NotificationHistory, names: dict[int, str] | None = None) -> DeliveryView:
    return DeliveryView(
        r.id,
        r.created_at,
        r.channel,
        r.category,
        r.status,
        r.recipient,
        r.user_id,
        r.subject,
        r.body,
        r.batch_id,
        r.attempts,
        r.segments,
        r.provider_message_id,
        r.error_code,
        r.error_message,
        r.sent_at,
        r.delivered_at,
        r.is_critical,
        (names or {}).get(r.user_id or 0, ""),
        r.direction,
    )


def _scope(actor: Principal) -> list:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    return [] if actor.role == Role.ADMIN else [NotificationHistory.organization_id == actor.organization_id]


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def list_history(
    session: Session, actor: Principal, flt: HistoryFilter, limit: int = 50, offset: int = 0
) -> tuple[list[DeliveryView], int]:
    where = _scope(actor)
    if flt.channel:
        where.append(NotificationHistory.channel == flt.channel)
    if flt.status:
        where.append(NotificationHistory.status == flt.status)
    if flt.batch_id:
        where.append(NotificationHistory.batch_id == flt.batch_id)
    if flt.search:
        like = f"%{flt.search.strip()}%"
        named = select(User.id).where(col(User.full_name).ilike(like))  # "Ramesh" finds his deliveries
        where.append(
            or_(
                col(NotificationHistory.recipient).ilike(like),
                col(NotificationHistory.body).ilike(like),
                col(NotificationHistory.user_id).in_(named),
            )
        )
    if flt.date_from:
        where.append(col(NotificationHistory.created_at) >= _start(flt.date_from))
    if flt.date_to:
        where.append(col(NotificationHistory.created_at) < _start(flt.date_to + timedelta(days=1)))
    total = session.exec(select(func.count()).select_from(NotificationHistory).where(*where)).one()
    rows = session.exec(
        select(NotificationHistory)
        .where(*where)
        .order_by(col(NotificationHistory.id).desc())
        .limit(min(limit, 200))
        .offset(offset)
    ).all()
    names = _names(session, list(rows))
    return [_view(r, names) for r in rows], total


def delivery_detail(session: Session, actor: Principal, delivery_id: int) -> DeliveryView:
    row = session.get(NotificationHistory, delivery_id)
    scope = _scope(actor)
    if row is None or (scope and row.organization_id != actor.organization_id):
        raise NotFound()
    return _view(row, _names(session, [row]))


def _rate(channel: str, t: dict[str, int]) -> float:
    # An SMS counts once the handset confirmed it; email and push once their service accepted them.
    reached = t["delivered"] if channel == "sms" else t["sent"]
    return round(reached / t["total"], 3) if t["total"] else 0.0


def stats(session: Session, actor: Principal, days: int = 14) -> StatsView:
    since = _start(utcnow().date() - timedelta(days=days - 1))
    rows = session.exec(
        select(NotificationHistory.channel, NotificationHistory.status, NotificationHistory.created_at).where(
            *_scope(actor),
            col(NotificationHistory.created_at) >= since,
            NotificationHistory.direction == "outbound",  # SMS people sent us are not sends of ours
        )
    ).all()
    # Grouped here, not in SQL: day truncation differs between SQLite and PostgreSQL, and 14 days is small.
    totals = {ch: {"total": 0, "sent": 0, "delivered": 0, "failed": 0} for ch in STATS_CHANNELS}
    by_day = {
        (since.date() + timedelta(days=i)).isoformat(): {
            f"{ch}_{k}": 0 for ch in STATS_CHANNELS for k in ("sent", "failed")
        }
        for i in range(days)
    }
    for channel, status, created_at in rows:
        t = totals[channel]
        t["total"] += 1
        t["sent"] += status in REACHED
        t["delivered"] += status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ)
        t["failed"] += status in FAILED
        day = by_day.get(created_at.date().isoformat())
        if day is not None and (status in REACHED or status in FAILED):
            day[f"{channel}_{'failed' if status in FAILED else 'sent'}"] += 1
    channels = {ch: ChannelStats(**t, rate=_rate(ch, t)) for ch, t in totals.items()}
    balance = sms.balance() if actor.role == Role.ADMIN else None  # the account's money: admins only
    return StatsView(channels, [{"day": d, **v} for d, v in by_day.items()], balance)
