"""What a phone keeps for when the network drops: the person's last dashboard (prices for their crops, weather
warnings, inbox), their listings with the offers waiting for them, and their orders, as one small read.

Every part goes through the same scoping as the live pages: a farmer's own listings and sales, a buyer's own
bids and purchases, an FPO admin's organisation; nobody gets another person's figures. The copy says when it
was made (`as_of`), so an offline screen can say how old it is.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import BidStatus, ListingStatus, Role
from kisaan_app.models.market import Bid, Listing
from kisaan_app.services import glossary, inbox
from kisaan_app.services.accounts import profiles
from kisaan_app.services.context import Principal
from kisaan_app.services.feeds import price_board, weather
from kisaan_app.services.market import bids, listings, orders

INBOX_ITEMS = 20
LISTINGS = 30
ORDERS = 30
OFFERS = 30


@dataclass
class OfflineCopy:
    as_of: datetime
    user_id: int  # the phone names its queued writes' keys after it (services/idempotency.py KEY_OWNER)
    role: str
    language: str
    crops: list[str] = field(default_factory=list)
    district: str = ""
    state: str = ""
    prices: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    inbox: list[dict] = field(default_factory=list)
    unread: int = 0
    listings: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)  # waiting for this person's answer
    orders: list[dict] = field(default_factory=list)
    # Crop and place keys → the reader's-language names ("Onion" → "ਪਿਆਜ਼"): the offline screen shows these.
    names: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _prices(session: Session, crops: list[str], district: str, state: str) -> list[dict]:
    rows = price_board.latest_prices(session, crops, district or None, state or None)
    return [
        {
            "commodity": r.commodity,
            "variety": r.variety,
            "market": r.market,
            "district": r.district,
            "arrival_date": r.arrival_date.isoformat(),
            "modal_paise": r.modal_price_paise,
            "min_paise": r.min_price_paise,
            "max_paise": r.max_price_paise,
            "change_paise": r.change_paise,
        }
        for r in rows
    ]


def _warnings(session: Session, district: str) -> list[dict]:
    if not district:
        return []
    return [
        {"id": a.id, "severity": a.severity, "title": a.title, "message": a.message, "until": a.valid_until}
        for a in weather.active_alerts(session, district)
    ]


def _listing(row: Listing) -> dict:
    return {
        "id": row.id,
        "crop": row.crop,
        "variety": row.variety,
        "quantity_remaining": row.quantity_remaining,
        "unit": row.unit,
        "asking_price_paise": row.asking_price_paise,
        "status": row.status,
    }


def _offer(bid: Bid, listing: Listing) -> dict:
    return {
        "bid_id": bid.id,
        "listing_id": listing.id,
        "crop": listing.crop,
        "unit": listing.unit,
        "quantity": bid.quantity,
        "price_paise": bid.price_paise,
        "status": bid.status,
    }


def _offers_for_seller(session: Session, actor: Principal, own: list[Listing]) -> list[dict]:
    """Buyers' offers on the seller's open listings that wait for the seller (the buyer spoke last)."""
    open_ids = {row.id: row for row in own if row.status == ListingStatus.OPEN}
    if not open_ids:
        return []
    waiting = session.exec(
        select(Bid)
        .where(col(Bid.listing_id).in_(open_ids), Bid.status == BidStatus.OPEN)
        .order_by(col(Bid.updated_at).desc())
        .limit(OFFERS)
    ).all()
    return [
        _offer(bid, open_ids[bid.listing_id]) for bid in waiting if listings.can_manage(actor, open_ids[bid.listing_id])
    ]


def _offers_for_buyer(session: Session, buyer: Principal) -> list[dict]:
    """The buyer's bids the farmer has countered: the buyer's turn."""
    countered = [b for b in bids.my_bids(session, buyer, limit=OFFERS) if b.status == BidStatus.COUNTERED]
    found = (
        {
            row.id: row
            for row in session.exec(select(Listing).where(col(Listing.id).in_({b.listing_id for b in countered}))).all()
        }
        if countered
        else {}
    )
    return [_offer(b, found[b.listing_id]) for b in countered if b.listing_id in found]


def offline_copy(session: Session, viewer: Principal) -> OfflineCopy:
    profile = profiles.get_profile(session, viewer)
    copy = OfflineCopy(as_of=utcnow(), user_id=viewer.id, role=viewer.role, language=profile.preferred_language or "en")
    copy.inbox = [
        {"id": i.id, "title": i.title, "body": i.body, "critical": i.critical, "read": i.read, "at": i.created_at}
        for i in inbox.recent(session, viewer.id, limit=INBOX_ITEMS)
    ]
    copy.unread = inbox.unread_count(session, viewer.id)
    copy.orders = [
        {
            "id": o.id,
            "order_number": o.order_number,
            "quantity": o.quantity,
            "unit": o.unit,
            "amount_paise": o.amount_paise,
            "status": o.status,
        }
        for o in orders.orders_for(session, viewer, limit=ORDERS)
    ]
    if viewer.role == Role.FARMER:
        copy.crops, copy.district, copy.state = list(profile.crops or []), profile.district or "", profile.state or ""
        copy.prices = _prices(session, copy.crops, copy.district, copy.state)
        copy.warnings = _warnings(session, copy.district)
    if viewer.role in (Role.FARMER, Role.ORG_ADMIN):
        own = listings.mine(session, viewer, limit=LISTINGS)
        copy.listings = [_listing(row) for row in own]
        copy.offers = _offers_for_seller(session, viewer, own)
    elif viewer.role == Role.BUYER:
        copy.offers = _offers_for_buyer(session, viewer)
    copy.names = _names(copy)
    return copy


def _names(copy: OfflineCopy) -> dict[str, str]:
    """Every crop and district the copy mentions, as the reader calls it (only those the glossary translates)."""
    crops = {*copy.crops, *(p["commodity"] for p in copy.prices), *(r["crop"] for r in copy.listings + copy.offers)}
    places = [("district", copy.district), ("state", copy.state)]
    found = {key: glossary.label("crop", key, copy.language) for key in crops if key}
    found |= {key: glossary.label(kind, key, copy.language) for kind, key in places if key}
    return {key: name for key, name in found.items() if name != key}
