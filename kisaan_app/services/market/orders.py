"""Orders: an accepted offer becomes a MarketOrder holding its quantity; payment, dispatch and delivery move
it on, and an order left unpaid past the hold time gives its quantity back.

Statuses: pending_payment ("confirmed") → paid → dispatched → delivered, or cancelled before payment.
"""

import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from kisaan_app.models.base import Quantity, to_thousandths, utcnow
from kisaan_app.models.enums import BidStatus, ListingStatus, OrderStatus, PaymentStatus, Role
from kisaan_app.models.market import Bid, Listing, MarketOrder
from kisaan_app.models.payments import Payment
from kisaan_app.realtime.events import managers_target, send_on_commit, user_target
from kisaan_app.realtime.payloads import OrderChange
from kisaan_app.services import audit
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound
from kisaan_app.services.market import notices
from kisaan_app.services.market.listings import can_manage
from kisaan_app.services.payments.instruments import cancel_open_payments
from kisaan_app.services.payments.lifecycle import write_lock
from kisaan_app.settings import get_settings

# Who may make each step: the buyer, the seller's side (farmer, their FPO admin, an admin), or either.
STEPS = {
    (OrderStatus.PAID, OrderStatus.DISPATCHED): "seller",
    (OrderStatus.DISPATCHED, OrderStatus.DELIVERED): "buyer",
    (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED): "either",
}
MONEY_IN_FLIGHT = (
    PaymentStatus.AUTHORIZED,
    PaymentStatus.CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)


def _take(session: Session, listing_id: int, quantity: float) -> bool:
    """Reserve `quantity` in one guarded UPDATE: it succeeds only if that much is still there, so concurrent
    acceptances cannot oversell (and the table's CHECK backs it up)."""
    result = session.execute(
        update(Listing)
        .where(
            col(Listing.id) == listing_id,
            col(Listing.status) == ListingStatus.OPEN,
            col(Listing.quantity_remaining) >= quantity,
        )
        .values(quantity_remaining=Listing.quantity_remaining - quantity, updated_at=utcnow())
    )
    return result.rowcount == 1


def give_back_quantity(session: Session, order: MarketOrder) -> None:
    """The order's quantity goes back on sale (it was cancelled before the produce left the farm)."""
    _give_back(session, session.get(Listing, order.listing_id), order.quantity)


def take_back_quantity(session: Session, order: MarketOrder) -> bool:
    """A cancelled order's sale stands again (its refund failed): its quantity comes off the listing once more —
    only if that much is still on sale (False if it was sold meanwhile or the listing closed)."""
    listing = session.get(Listing, order.listing_id)
    if not _take(session, listing.id, order.quantity):
        return False
    _mark_sold_out(session, listing)
    return True


def _mark_sold_out(session: Session, listing: Listing) -> None:
    session.refresh(listing)
    if listing.quantity_remaining <= 0:
        listing.status = ListingStatus.SOLD
        session.add(listing)


def _give_back(session: Session, listing: Listing, quantity: float) -> None:
    session.execute(
        update(Listing)
        .where(col(Listing.id) == listing.id)
        .values(quantity_remaining=Listing.quantity_remaining + quantity, updated_at=utcnow())
    )
    session.refresh(listing)
    if listing.status == ListingStatus.SOLD and listing.quantity_remaining > 0:
        listing.status = ListingStatus.OPEN
        session.add(listing)


def amount_for(quantity: float, price_paise: int) -> int:
    """quantity × price in whole paise, computed exactly (quantities have at most three decimals)."""
    exact = Decimal(to_thousandths(quantity)) * price_paise / Quantity.SCALE
    return int(exact.to_integral_value(ROUND_HALF_UP))


def _check_unpaid_limit(session: Session, buyer_id: int) -> None:
    """A buyer may hold only so many unpaid orders at once, or one account could lock up a district's produce.

    The buyer's row is locked first, so two acceptances at once count each other."""
    from kisaan_app.models.accounts import User

    session.exec(select(User.id).where(User.id == buyer_id).with_for_update()).first()
    limit = get_settings().max_unpaid_orders_per_buyer
    unpaid = session.exec(
        select(func.count())
        .select_from(MarketOrder)
        .where(MarketOrder.buyer_id == buyer_id, MarketOrder.status == OrderStatus.PENDING_PAYMENT)
    ).one()
    if unpaid >= limit:
        raise Conflict("too_many_unpaid_orders", limit=limit)


def create_from_bid(
    session: Session, bid: Bid, listing: Listing, actor: Principal, meta: RequestMeta | None, *, automatic: bool = False
) -> MarketOrder:
    _check_unpaid_limit(session, bid.buyer_id)
    if not _take(session, listing.id, bid.quantity):
        raise Conflict("not_enough_quantity", remaining=f"{listing.quantity_remaining:g}")
    _mark_sold_out(session, listing)
    now = utcnow()
    bid.status, bid.updated_at = BidStatus.ACCEPTED, now
    session.add(bid)
    order = MarketOrder(
        order_number=f"KS-{now:%y%m%d}-{secrets.token_hex(3).upper()}",
        listing_id=listing.id,
        bid_id=bid.id,
        buyer_id=bid.buyer_id,
        farmer_id=listing.farmer_id,
        organization_id=listing.organization_id,
        quantity=bid.quantity,
        unit=listing.unit,
        price_paise=bid.price_paise,
        amount_paise=amount_for(bid.quantity, bid.price_paise),
        hold_until=now + timedelta(minutes=get_settings().order_hold_minutes),
    )
    session.add(order)
    session.flush()
    audit.record(
        session,
        "order.create",
        actor=actor,
        meta=meta,
        target_type="market_order",
        target_id=order.order_number,
        organization_id=listing.organization_id,
        details={
            "bid_id": bid.id,
            "quantity": order.quantity,
            "amount_paise": order.amount_paise,
            "automatic": automatic,
        },
    )
    announce(session, order, "order_created")
    return order


NOTIFIED = (
    "order_created",
    "order_dispatched",
    "order_dispatch_undone",
    "order_delivered",
    "order_cancelled",
    "order_released",
)


def announce(session: Session, order: MarketOrder, kind: str) -> None:
    if kind in NOTIFIED:  # both sides hear of each step on their channels (payment has its own, lifecycle.py)
        notices.order_step(session, order, kind)
    payload = OrderChange(
        kind=kind,
        order_id=order.id,
        order_number=order.order_number,
        status=order.status,
        listing_id=order.listing_id,
        bid_id=order.bid_id,
    )
    for user_id in {order.buyer_id, order.farmer_id}:
        send_on_commit(session, user_target(user_id), payload)
    if order.organization_id:
        send_on_commit(session, managers_target(order.organization_id), payload)


def _side(actor: Principal, order: MarketOrder, listing: Listing) -> str | None:
    if actor.id == order.buyer_id:
        return "buyer"
    if can_manage(actor, listing):
        return "seller"
    return None


def visible(session: Session, actor: Principal, order_id: int, *, lock: bool = False) -> tuple[MarketOrder, str]:
    query = select(MarketOrder).where(MarketOrder.id == order_id)
    order = session.exec(query.with_for_update() if lock else query).first()
    side = _side(actor, order, session.get(Listing, order.listing_id)) if order else None
    if order is None or side is None:
        raise NotFound("order_not_found")
    return order, side


def _money_moving(session: Session, order: MarketOrder) -> bool:
    """Is a payment of this order authorised or paid? Its rows are locked (after the order's, as everywhere)."""
    query = select(Payment.id).where(Payment.market_order_id == order.id, col(Payment.status).in_(MONEY_IN_FLIGHT))
    return session.exec(query.with_for_update()).first() is not None


def advance(
    session: Session, actor: Principal, meta: RequestMeta | None, order_id: int, new_status: str
) -> MarketOrder:
    """One step of the order's life, by the side allowed to take it."""
    order, side = visible(session, actor, order_id, lock=True)
    who = STEPS.get((order.status, new_status))
    if who is None:
        raise Conflict("order_transition", status=order.status, wanted=new_status)
    if who not in ("either", side):
        raise Conflict("order_transition_side", status=order.status, wanted=new_status)
    if new_status == OrderStatus.CANCELLED:
        if _money_moving(session, order):
            raise Conflict("order_payment_in_progress")
        give_back_quantity(session, order)
        cancel_open_payments(session, order, actor.label)
    order.status, order.updated_at = new_status, utcnow()
    if new_status == OrderStatus.DISPATCHED:
        order.dispatched_at = order.updated_at
    session.add(order)
    if new_status == OrderStatus.DELIVERED:
        from kisaan_app.services.payouts.ledger import on_delivered

        on_delivered(session, order)  # the buyer has the produce: the farmer's transfer may be released
    audit.record(
        session,
        f"order.{new_status}",
        actor=actor,
        meta=meta,
        target_type="market_order",
        target_id=order.order_number,
        organization_id=order.organization_id,
    )
    announce(session, order, f"order_{new_status}")
    return order


def undo_window(order: MarketOrder) -> timedelta:
    """How long is left to take back "dispatched" (zero when it cannot be)."""
    if order.status != OrderStatus.DISPATCHED or order.dispatched_at is None:
        return timedelta(0)
    left = order.dispatched_at + timedelta(minutes=get_settings().dispatch_undo_minutes) - utcnow()
    return max(left, timedelta(0))


def undo_dispatch(session: Session, actor: Principal, meta: RequestMeta | None, order_id: int) -> MarketOrder:
    """The seller's side takes back a "dispatched" pressed by mistake, within the undo window; the order is
    paid again and both sides are told. Twice is harmless: an order already back at paid stays as it is."""
    order, side = visible(session, actor, order_id, lock=True)
    if side != "seller":
        raise Conflict("order_transition_side", status=order.status, wanted=OrderStatus.PAID)
    if order.status == OrderStatus.PAID:
        return order
    if order.status != OrderStatus.DISPATCHED:
        raise Conflict("order_transition", status=order.status, wanted=OrderStatus.PAID)
    if undo_window(order) <= timedelta(0):
        raise Conflict("order_undo_expired", minutes=get_settings().dispatch_undo_minutes)
    order.status, order.dispatched_at, order.updated_at = OrderStatus.PAID, None, utcnow()
    session.add(order)
    audit.record(
        session,
        "order.dispatch_undone",
        actor=actor,
        meta=meta,
        target_type="market_order",
        target_id=order.order_number,
        organization_id=order.organization_id,
    )
    announce(session, order, "order_dispatch_undone")
    return order


def release_expired_holds(session: Session) -> list[str]:
    """Unpaid orders past their hold give their quantity back (never one whose payment is under way)."""
    released = []
    write_lock(session)
    overdue = session.exec(
        select(MarketOrder)
        .where(MarketOrder.status == OrderStatus.PENDING_PAYMENT, col(MarketOrder.hold_until) < utcnow())
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for order in overdue:
        if _money_moving(session, order):
            continue
        give_back_quantity(session, order)
        cancel_open_payments(session, order, "hold-expiry")
        order.status, order.updated_at = OrderStatus.CANCELLED, utcnow()
        session.add(order)
        audit.record(
            session,
            "order.released",
            actor_label="hold-expiry",
            target_type="market_order",
            target_id=order.order_number,
            organization_id=order.organization_id,
        )
        announce(session, order, "order_released")
        released.append(order.order_number)
    return released


def orders_for(session: Session, actor: Principal, limit: int = 50) -> list[MarketOrder]:
    """A buyer's purchases, a farmer's sales, an FPO admin's organisation's, an admin's all."""
    query = select(MarketOrder)
    if actor.role == Role.BUYER:
        query = query.where(MarketOrder.buyer_id == actor.id)
    elif actor.role == Role.FARMER:
        query = query.where(MarketOrder.farmer_id == actor.id)
    elif actor.role == Role.ORG_ADMIN:
        query = query.where(MarketOrder.organization_id == actor.organization_id)
    return list(session.exec(query.order_by(col(MarketOrder.id).desc()).limit(limit)).all())
