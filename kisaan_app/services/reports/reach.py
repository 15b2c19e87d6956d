"""Notification reach per channel: how many deliveries reached the person, how many were read, how many failed.

SMS is delivered only when Twilio's callback says so ("sent" is still in flight); email and push end at "sent"
(the provider accepted it — there is no delivery receipt), so "sent" counts as delivered there. Skipped rows
(opted out, quiet hours) and those still in flight are outside the rate's denominator.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from kisaan_app.models.accounts import User
from kisaan_app.models.enums import DeliveryStatus
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services.reports.buckets import rate, run

_RECEIPTED = ("sms",)  # channels whose provider reports delivery
_DELIVERED_WITH_RECEIPT = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)
_DELIVERED_NO_RECEIPT = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ)
_FAILED = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED)


@dataclass(frozen=True)
class ChannelReach:
    channel: str
    total: int
    delivered: int
    read: int
    failed: int

    @property
    def delivery_rate(self) -> float | None:
        return rate(self.delivered, self.delivered + self.failed)

    @property
    def read_rate(self) -> float | None:
        return rate(self.read, self.delivered)


def _delivered() -> ColumnElement[int]:
    status, channel = col(NotificationHistory.status), col(NotificationHistory.channel)
    return sa.case(
        (sa.and_(channel.in_(_RECEIPTED), status.in_(_DELIVERED_WITH_RECEIPT)), 1),
        (sa.and_(channel.not_in(_RECEIPTED), status.in_(_DELIVERED_NO_RECEIPT)), 1),
        else_=0,
    )


def channel_reach(session: Session, *where: ColumnElement[bool], join_user: bool = False) -> list[ChannelReach]:
    query = select(
        col(NotificationHistory.channel),
        sa.func.count(),
        sa.func.sum(_delivered()),
        sa.func.count(col(NotificationHistory.read_at)),
        sa.func.sum(sa.case((col(NotificationHistory.status).in_(_FAILED), 1), else_=0)),
    )
    if join_user:  # scoped by the recipient's organisation
        query = query.join(User, col(User.id) == col(NotificationHistory.user_id))
    rows = run(session, query.where(*where).group_by(NotificationHistory.channel).order_by(NotificationHistory.channel))
    return [ChannelReach(c, int(t), int(d or 0), int(r), int(f or 0)) for c, t, d, r, f in rows]
