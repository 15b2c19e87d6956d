"""What a person can pay for right now: a buyer's orders awaiting payment, a farmer's advisory plan."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import OrderStatus, SubscriptionStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Subscription
from kisaan_app.services.context import Principal


@dataclass(frozen=True)
class PlanStatus:
    plan: str | None
    status: str  # none | pending | active | expired
    renews_at: datetime | None


def orders_awaiting_payment(session: Session, principal: Principal, limit: int = 20) -> list[MarketOrder]:
    query = select(MarketOrder).where(
        MarketOrder.buyer_id == principal.id, MarketOrder.status == OrderStatus.PENDING_PAYMENT
    )
    return list(session.exec(query.order_by(col(MarketOrder.id).desc()).limit(limit)).all())


def current_plan(session: Session, principal: Principal) -> PlanStatus:
    """The farmer's newest plan; an active one past its renewal date reads as expired."""
    latest = session.exec(
        select(Subscription)
        .where(
            Subscription.user_id == principal.id,
            col(Subscription.status).in_((SubscriptionStatus.ACTIVE, SubscriptionStatus.PENDING)),
        )
        .order_by(col(Subscription.status) == SubscriptionStatus.PENDING, col(Subscription.id).desc())
    ).first()
    if latest is None:
        return PlanStatus(None, "none", None)
    if latest.status == SubscriptionStatus.ACTIVE and latest.renews_at and latest.renews_at <= utcnow():
        return PlanStatus(latest.plan, SubscriptionStatus.EXPIRED, latest.renews_at)
    return PlanStatus(latest.plan, latest.status, latest.renews_at)
