"""What an order card shows each side, with the rules applied here (not in a page): the crop, the other party's
name and phone (an order is a deal: each side may now call the other), where and from when to pick up, what was
paid and refunded, and until when "dispatched" may still be taken back."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kisaan_app.i18n.formatting import IST
from kisaan_app.models.accounts import User
from kisaan_app.models.enums import OrderStatus
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.services.context import Principal
from kisaan_app.services.market.orders import orders_for, undo_window

PAID = (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class OrderCard:
    order: MarketOrder
    is_buyer: bool  # the viewer bought it (else their side sold it)
    crop: str
    variety: str | None
    other_name: str  # the farmer for a buyer, the buyer for the seller's side
    other_phone: str | None
    pickup: tuple[str | None, str, str]  # village, district, state (the last two glossary keys)
    pickup_from: date | None  # the listing's "available from" day in India, if the farmer gave one
    paid_paise: int
    refunded_paise: int
    undo_until: datetime | None  # "dispatched" can be taken back until then (seller's side only)

    @property
    def pickup_place(self) -> str:
        return ", ".join(p for p in self.pickup if p)


def order_cards(session: Session, actor: Principal, limit: int = 50) -> list[OrderCard]:
    """The viewer's orders (as orders_for chooses them), each with its listing and both parties, in 2 queries."""
    orders = orders_for(session, actor, limit)
    if not orders:
        return []
    buyer, farmer = aliased(User), aliased(User)
    rows = session.exec(
        select(MarketOrder.id, Listing, buyer, farmer)
        .join(Listing, col(Listing.id) == MarketOrder.listing_id)
        .join(buyer, col(buyer.id) == MarketOrder.buyer_id)
        .join(farmer, col(farmer.id) == MarketOrder.farmer_id)
        .where(col(MarketOrder.id).in_([o.id for o in orders]))
    ).all()
    found = {order_id: (listing, b, f) for order_id, listing, b, f in rows}
    cards = []
    for order in orders:
        listing, the_buyer, the_farmer = found[order.id]
        is_buyer = order.buyer_id == actor.id
        other = the_farmer if is_buyer else the_buyer
        left = undo_window(order) if not is_buyer else timedelta(0)
        cards.append(
            OrderCard(
                order=order,
                is_buyer=is_buyer,
                crop=listing.crop,
                variety=listing.variety,
                other_name=other.full_name,
                other_phone=other.phone,
                pickup=(listing.village, listing.district, listing.state),
                pickup_from=listing.available_from.astimezone(IST).date() if listing.available_from else None,
                paid_paise=order.amount_paise if order.status in PAID or order.paid_at else 0,
                refunded_paise=order.refunded_paise,
                undo_until=order.dispatched_at + _undo_length() if left > timedelta(0) else None,
            )
        )
    return cards


def _undo_length() -> timedelta:
    from kisaan_app.settings import get_settings

    return timedelta(minutes=get_settings().dispatch_undo_minutes)
