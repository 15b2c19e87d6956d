"""Bids and their negotiation: one thread per buyer and listing, made of offers, counter-offers and replies.

Whose turn it is follows the last offer: a buyer's offer (bid `open`) waits for the farmer's side, a
counter-offer (bid `countered`) waits for the buyer. Either side accepts the other's latest figure; that
turns the bid into an order (see orders.create_from_bid).
"""

from datetime import timedelta

from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import BidStatus, Role
from kisaan_app.models.market import Bid, Listing, MarketOrder, Negotiation
from kisaan_app.realtime.events import send_on_commit, user_target
from kisaan_app.realtime.payloads import MarketChange
from kisaan_app.services import audit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, ValidationFailed
from kisaan_app.services.market import notices
from kisaan_app.services.market.form_keys import check_form_key, existing
from kisaan_app.services.market.listings import (
    announce,
    can_manage,
    check_price,
    check_quantity,
    ensure_open,
)
from kisaan_app.settings import get_settings

LIVE_STATUSES = (BidStatus.OPEN, BidStatus.COUNTERED)


def _fresh_until():
    """Every new figure in a thread keeps the offer open for the configured hours, and no longer."""
    return utcnow() + timedelta(hours=get_settings().bid_expiry_hours)


def _note(message: str | None) -> str | None:
    message = (message or "").strip()
    if len(message) > 500:
        raise ValidationFailed("note_too_long", field="message")
    return message or None


def _locked_listing(session: Session, listing_id: int) -> Listing:
    listing = session.exec(select(Listing).where(Listing.id == listing_id).with_for_update()).first()
    if listing is None:
        raise NotFound("listing_not_found")
    return listing


def _tell(session: Session, bid: Bid, listing: Listing, kind: str, step: Negotiation, **extra) -> None:
    """Both sides of the thread (and the listing's FPO) see it change at once; the side whose turn it is now
    hears of it on their own channels (notices.py)."""
    notices.bid_step(session, bid, listing, kind, step)
    payload = {"bid_id": bid.id, "status": bid.status, "price_paise": bid.price_paise, "quantity": bid.quantity}
    announce(session, listing, kind, **payload, **extra)
    send_on_commit(
        session, user_target(bid.buyer_id), MarketChange(kind=kind, listing_id=listing.id, **payload, **extra)
    )


def _add(
    session: Session,
    bid: Bid,
    author: Principal,
    kind: str,
    price: int | None,
    quantity: float | None,
    message: str | None,
    form_key: str | None = None,
) -> Negotiation:
    row = Negotiation(
        bid_id=bid.id,
        author_id=author.id,
        kind=kind,
        price_paise=price,
        quantity=quantity,
        message=message,
        form_key=form_key,
    )
    session.add(row)
    return row


def _sent_before(session: Session, author: Principal, form_key: str | None) -> Bid | MarketOrder | None:
    """The bid (or the order it became) this form already sent: a double tap or retry answers with it.
    Checked under the listing's lock, so a concurrent copy waits and then finds the first one's offer."""
    offer = existing(session, Negotiation.author_id, author, form_key)
    if offer is None:
        return None
    order = session.exec(select(MarketOrder).where(MarketOrder.bid_id == offer.bid_id)).first()
    return order or session.get(Bid, offer.bid_id)


def place_bid(
    session: Session,
    buyer: Principal,
    meta: RequestMeta | None,
    listing_id: int,
    quantity: float,
    price_paise: int,
    message: str | None = None,
    form_key: str | None = None,
) -> Bid | MarketOrder:
    """Bid on a listing, or raise the buyer's live bid on it (one live bid per buyer and listing: the new figure
    replaces the old, and both sides are told). At or above the listing's auto-accept price the bid is accepted
    at once and the order is returned instead. The same form key again returns what the first send made."""
    require_role(buyer, Role.BUYER)
    form_key = check_form_key(form_key)
    listing = _locked_listing(session, listing_id)
    if (sent := _sent_before(session, buyer, form_key)) is not None:
        return sent
    ensure_open(listing)
    quantity = check_quantity(quantity, listing.unit)
    price_paise = check_price(price_paise)
    if quantity > listing.quantity_remaining:
        raise ValidationFailed("quantity_over_remaining", field="quantity", remaining=f"{listing.quantity_remaining:g}")
    note = _note(message)
    bid = session.exec(
        select(Bid).where(Bid.listing_id == listing.id, Bid.buyer_id == buyer.id, col(Bid.status).in_(LIVE_STATUSES))
    ).first()
    raised = bid is not None
    if bid is None:
        bid = Bid(listing_id=listing.id, buyer_id=buyer.id, quantity=quantity, price_paise=price_paise, message=note)
    bid.quantity, bid.price_paise, bid.status, bid.updated_at = quantity, price_paise, BidStatus.OPEN, utcnow()
    bid.expires_at = _fresh_until()
    session.add(bid)
    session.flush()
    step = _add(session, bid, buyer, "offer", price_paise, quantity, note, form_key)
    audit.record(
        session,
        "bid.raise" if raised else "bid.place",
        actor=buyer,
        meta=meta,
        target_type="bid",
        target_id=bid.id,
        details={"listing_id": listing.id, "quantity": quantity, "price_paise": price_paise},
    )
    if listing.auto_accept_price_paise and price_paise >= listing.auto_accept_price_paise:
        from kisaan_app.services.market.orders import create_from_bid

        _add(session, bid, buyer, "accept", price_paise, quantity, "accepted automatically")
        return create_from_bid(session, bid, listing, buyer, meta, automatic=True)
    _tell(session, bid, listing, "bid_raised" if raised else "bid_placed", step)
    return bid


def _thread_bid(session: Session, actor: Principal, bid_id: int) -> tuple[Bid, Listing, str]:
    """The bid, its (locked) listing and which side the actor is on: 'buyer' or 'seller'."""
    bid = session.get(Bid, bid_id)
    if bid is None:
        raise NotFound("bid_not_found")
    listing = _locked_listing(session, bid.listing_id)
    session.refresh(bid)  # re-read under the listing's lock
    if actor.id == bid.buyer_id:
        return bid, listing, "buyer"
    if can_manage(actor, listing):
        return bid, listing, "seller"
    raise NotFound("bid_not_found")


def _live(bid: Bid) -> None:
    if bid.status not in LIVE_STATUSES:
        raise Conflict("bid_not_live", status=bid.status)


def _fresh(bid: Bid) -> None:
    """A stale figure cannot be accepted or answered (withdrawing or rejecting it is still fine)."""
    if bid.expires_at is not None and bid.expires_at <= utcnow():
        raise Conflict("bid_expired")


def counter(
    session: Session,
    actor: Principal,
    meta: RequestMeta | None,
    bid_id: int,
    price_paise: int,
    quantity: float | None = None,
    message: str | None = None,
    form_key: str | None = None,
) -> Bid:
    """A new figure from either side: the seller counters an offer, the buyer answers a counter-offer.
    The same form key again returns the bid as the first send left it."""
    form_key = check_form_key(form_key)
    bid, listing, side = _thread_bid(session, actor, bid_id)
    sent = _sent_before(session, actor, form_key)
    if isinstance(sent, Bid) and sent.id == bid.id:
        return sent
    if sent is not None:  # this form's key already sent a figure on another thread: a stale or forged form
        raise ValidationFailed("form_key_invalid", field="form_key")
    _live(bid)
    _fresh(bid)
    ensure_open(listing)
    expected = BidStatus.OPEN if side == "seller" else BidStatus.COUNTERED
    if bid.status != expected:
        raise Conflict("not_your_turn")
    price_paise = check_price(price_paise)
    quantity = check_quantity(quantity if quantity is not None else bid.quantity, listing.unit)
    if quantity > listing.quantity_remaining:
        raise ValidationFailed("quantity_over_remaining", field="quantity", remaining=f"{listing.quantity_remaining:g}")
    bid.price_paise, bid.quantity, bid.updated_at = price_paise, quantity, utcnow()
    bid.status = BidStatus.COUNTERED if side == "seller" else BidStatus.OPEN
    bid.expires_at = _fresh_until()
    session.add(bid)
    kind = "counter" if side == "seller" else "offer"
    step = _add(session, bid, actor, kind, price_paise, quantity, _note(message), form_key)
    audit.record(
        session,
        "bid.counter",
        actor=actor,
        meta=meta,
        target_type="bid",
        target_id=bid.id,
        details={"side": side, "price_paise": price_paise, "quantity": quantity},
    )
    _tell(session, bid, listing, "bid_countered", step)
    return bid


def accept(session: Session, actor: Principal, meta: RequestMeta | None, bid_id: int) -> MarketOrder:
    """Accept the other side's latest figure: the seller a buyer's offer, the buyer a counter-offer."""
    from kisaan_app.services.market.orders import create_from_bid

    bid, listing, side = _thread_bid(session, actor, bid_id)
    _live(bid)
    _fresh(bid)
    ensure_open(listing)
    if bid.status != (BidStatus.OPEN if side == "seller" else BidStatus.COUNTERED):
        raise Conflict("not_your_turn")
    _add(session, bid, actor, "accept", bid.price_paise, bid.quantity, None)
    return create_from_bid(session, bid, listing, actor, meta)


def reject(
    session: Session, actor: Principal, meta: RequestMeta | None, bid_id: int, message: str | None = None
) -> Bid:
    bid, listing, side = _thread_bid(session, actor, bid_id)
    if side != "seller":
        raise NotFound("bid_not_found")
    _live(bid)
    bid.status, bid.updated_at = BidStatus.REJECTED, utcnow()
    session.add(bid)
    step = _add(session, bid, actor, "reject", None, None, _note(message))
    audit.record(session, "bid.reject", actor=actor, meta=meta, target_type="bid", target_id=bid.id)
    _tell(session, bid, listing, "bid_rejected", step)
    return bid


def withdraw(session: Session, actor: Principal, meta: RequestMeta | None, bid_id: int) -> Bid:
    """Only the bid's buyer withdraws it, and only while it is live."""
    bid, listing, side = _thread_bid(session, actor, bid_id)
    if side != "buyer":
        raise NotFound("bid_not_found")
    _live(bid)
    bid.status, bid.updated_at = BidStatus.WITHDRAWN, utcnow()
    session.add(bid)
    step = _add(session, bid, actor, "withdraw", None, None, None)
    audit.record(session, "bid.withdraw", actor=actor, meta=meta, target_type="bid", target_id=bid.id)
    _tell(session, bid, listing, "bid_withdrawn", step)
    return bid


def reject_open_bids(session: Session, listing: Listing, actor: Principal, note: str) -> int:
    bids = session.exec(select(Bid).where(Bid.listing_id == listing.id, col(Bid.status).in_(LIVE_STATUSES))).all()
    for bid in bids:
        bid.status, bid.updated_at = BidStatus.REJECTED, utcnow()
        session.add(bid)
        step = _add(session, bid, actor, "reject", None, None, note)
        _tell(session, bid, listing, "bid_rejected", step)
    return len(bids)


def bids_for_listing(session: Session, viewer: Principal, listing: Listing) -> list[Bid]:
    """The seller's side sees every bid; a buyer only their own (never other buyers' figures)."""
    query = select(Bid).where(Bid.listing_id == listing.id)
    if not can_manage(viewer, listing):
        query = query.where(Bid.buyer_id == viewer.id)
    return list(session.exec(query.order_by(col(Bid.updated_at).desc())).all())


def thread(session: Session, viewer: Principal, bid_id: int) -> list[Negotiation]:
    bid = session.get(Bid, bid_id)
    listing = session.get(Listing, bid.listing_id) if bid else None
    if bid is None or not (viewer.id == bid.buyer_id or can_manage(viewer, listing)):
        raise NotFound("bid_not_found")
    query = select(Negotiation).where(Negotiation.bid_id == bid_id)
    return list(session.exec(query.order_by(col(Negotiation.created_at), col(Negotiation.id))).all())


def my_bids(session: Session, buyer: Principal, limit: int = 50) -> list[Bid]:
    query = select(Bid).where(Bid.buyer_id == buyer.id)
    return list(session.exec(query.order_by(col(Bid.updated_at).desc()).limit(limit)).all())
