"""Who hears of each market step, on their own channels (events.tell): the side whose turn it is for a bid,
both sides for an order. Keys name the step itself (a negotiation row, an order's step), so a retried call, a
double tap or a second worker never tells anyone twice."""

from sqlmodel import Session

from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.accounts import User
from kisaan_app.models.enums import BidStatus
from kisaan_app.models.market import Bid, Listing, MarketOrder, Negotiation
from kisaan_app.services.notifications.events import tell


def _name(session: Session, user_id: int) -> str:
    person = session.get(User, user_id)
    return person.full_name if person else ""


def _bid_words(session: Session, bid: Bid, listing: Listing) -> dict:
    return {
        "crop": listing.crop,
        "price": rupees(bid.price_paise).lstrip("₹"),
        "quantity": f"{bid.quantity:g} {listing.unit}",
        "buyer": _name(session, bid.buyer_id),
    }


def bid_step(session: Session, bid: Bid, listing: Listing, kind: str, step: Negotiation) -> None:
    if step.id is None:
        session.flush()
    key = f"bid:{bid.id}:{step.id}"
    words = _bid_words(session, bid, listing)
    if kind in ("bid_placed", "bid_raised"):
        tell(session, "market.bid_received", listing.farmer_id, key, words, url="/market/sell")
    elif kind == "bid_countered" and bid.status == BidStatus.COUNTERED:  # the seller's figure: the buyer's turn
        who = _name(session, listing.farmer_id)
        tell(session, "market.counter_offer", bid.buyer_id, key, {**words, "who": who}, url="/market")
    elif kind == "bid_countered":  # the buyer answered a counter-offer: the farmer's turn
        words["who"] = words["buyer"]
        tell(session, "market.counter_offer", listing.farmer_id, key, words, url="/market/sell")
    elif kind == "bid_rejected":
        tell(session, "market.bid_rejected", bid.buyer_id, key, words, url="/market")


def bid_expiring(session: Session, bid: Bid, listing: Listing, hours: int) -> None:
    """Remind the side whose turn it is; once per figure (a new figure moves expires_at, and so the key)."""
    waiting_on = listing.farmer_id if bid.status == BidStatus.OPEN else bid.buyer_id
    key = f"bid-expiring:{bid.id}:{bid.expires_at:%Y%m%d%H%M%S}"
    url = "/market/sell" if waiting_on == listing.farmer_id else "/market"
    words = {**_bid_words(session, bid, listing), "hours": hours}
    tell(session, "market.offer_expiring", waiting_on, key, words, url=url)


# Dispatch can be undone and pressed again: each of those steps is news of its own (the others happen once).
REPEATABLE = ("order_dispatched", "order_dispatch_undone")


def order_step(session: Session, order: MarketOrder, kind: str) -> None:
    again = f":{order.updated_at:%Y%m%d%H%M%S%f}" if kind in REPEATABLE else ""
    listing = session.get(Listing, order.listing_id)
    words = {
        "order": order.order_number,
        "quantity": f"{order.quantity:g} {order.unit}" + (f" {listing.crop}" if listing else ""),
        "amount": rupees(order.amount_paise).lstrip("₹"),
    }
    for user_id in sorted({order.buyer_id, order.farmer_id}):
        tell(session, f"market.{kind}", user_id, f"order:{order.id}:{kind}{again}", words, url="/orders")


def order_unpaid(session: Session, order: MarketOrder, minutes: int) -> None:
    words = {"order": order.order_number, "amount": rupees(order.amount_paise).lstrip("₹"), "minutes": minutes}
    tell(session, "market.order_unpaid", order.buyer_id, f"order-unpaid:{order.id}", words, url="/orders")
