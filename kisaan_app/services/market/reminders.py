"""Reminders before something lapses: an offer nobody answered, an order nobody paid. Run every few minutes by
a periodic job; each reminder's key names the deadline it warns of, so a run repeated, overlapping or resumed
after a crash reminds nobody twice (notify() skips keys it already wrote)."""

import math
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import BidStatus, OrderStatus
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.services.market import notices
from kisaan_app.settings import get_settings

BATCH = 500  # a run looks at this many of the soonest deadlines; the next run takes the rest


def remind_expiring_offers(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    soon = now + timedelta(hours=get_settings().bid_reminder_hours)
    query = (
        select(Bid)
        .where(
            col(Bid.status).in_((BidStatus.OPEN, BidStatus.COUNTERED)),
            col(Bid.expires_at) > now,
            col(Bid.expires_at) <= soon,
        )
        .order_by(col(Bid.expires_at))
        .limit(BATCH)
    )
    bids = session.exec(query).all()
    for bid in bids:
        listing = session.get(Listing, bid.listing_id)
        if listing is not None and bid.expires_at is not None:
            hours = max(1, math.ceil((bid.expires_at - now).total_seconds() / 3600))
            notices.bid_expiring(session, bid, listing, hours)
    return len(bids)


def remind_unpaid_orders(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    soon = now + timedelta(minutes=get_settings().order_unpaid_reminder_minutes)
    query = (
        select(MarketOrder)
        .where(
            MarketOrder.status == OrderStatus.PENDING_PAYMENT,
            col(MarketOrder.hold_until) > now,
            col(MarketOrder.hold_until) <= soon,
        )
        .order_by(col(MarketOrder.hold_until))
        .limit(BATCH)
    )
    orders = session.exec(query).all()
    for order in orders:
        if order.hold_until is not None:
            minutes = max(1, math.ceil((order.hold_until - now).total_seconds() / 60))
            notices.order_unpaid(session, order, minutes)
    return len(orders)
