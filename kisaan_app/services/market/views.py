"""What a listing's page shows, with the rules applied: who may act on each offer thread, and whose turn it is.

One call, a fixed number of queries (the listing, its bids, their offers, the people, the orders), the same
visibility as the API: the seller's side sees every thread, a buyer only their own.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import BuyerProfile, FarmerProfile, User
from kisaan_app.models.enums import BidStatus
from kisaan_app.models.market import Listing, MarketOrder, Negotiation
from kisaan_app.services.context import Principal
from kisaan_app.services.market import bids, listings, orders


@dataclass(frozen=True)
class OfferView:
    id: int  # the negotiation entry (a note's translation names it)
    by_buyer: bool
    kind: str
    price_paise: int | None
    quantity: float | None
    note: str
    created_at: datetime


@dataclass(frozen=True)
class ThreadView:
    bid_id: int
    buyer_name: str
    buyer_district: str
    status: str
    price_paise: int
    quantity: float
    live: bool  # still being negotiated
    my_turn: bool  # the viewer is the side the other one waits on
    offers: tuple[OfferView, ...]


@dataclass(frozen=True)
class ListingView:
    listing: Listing
    farmer_name: str
    is_seller: bool
    threads: tuple[ThreadView, ...]
    orders: tuple[MarketOrder, ...]


def whose_turn_is_seller(status: str) -> bool:
    """An open bid waits on the seller; a countered one waits on whoever did not counter last: the buyer."""
    return status == BidStatus.OPEN


def listing_view(session: Session, viewer: Principal, listing_id: int) -> ListingView:
    listing = listings.visible(session, viewer, listing_id)
    is_seller = listings.can_manage(viewer, listing)
    found = bids.bids_for_listing(session, viewer, listing)
    bid_ids = [b.id for b in found]
    offers: dict[int, list[Negotiation]] = {i: [] for i in bid_ids}
    if bid_ids:
        query = select(Negotiation).where(col(Negotiation.bid_id).in_(bid_ids))
        for offer in session.exec(query.order_by(col(Negotiation.created_at), col(Negotiation.id))).all():
            offers[offer.bid_id].append(offer)
    people = {listing.farmer_id, *(b.buyer_id for b in found)}
    names = dict(session.exec(select(User.id, User.full_name).where(col(User.id).in_(people))).all())
    buyer_ids = [b.buyer_id for b in found]
    districts: dict[int, str | None] = {}
    if buyer_ids:
        query = select(BuyerProfile.user_id, BuyerProfile.district).where(col(BuyerProfile.user_id).in_(buyer_ids))
        districts = dict(session.exec(query).all())
    threads = tuple(
        ThreadView(
            bid_id=b.id,
            buyer_name=names.get(b.buyer_id, ""),
            buyer_district=districts.get(b.buyer_id) or "",
            status=b.status,
            price_paise=b.price_paise,
            quantity=b.quantity,
            live=b.status in bids.LIVE_STATUSES,
            my_turn=b.status in bids.LIVE_STATUSES and whose_turn_is_seller(b.status) == is_seller,
            offers=tuple(
                OfferView(
                    id=o.id,
                    by_buyer=o.author_id == b.buyer_id,
                    kind=o.kind,
                    price_paise=o.price_paise,
                    quantity=o.quantity,
                    note=o.message or "",
                    created_at=o.created_at,
                )
                for o in offers[b.id]
            ),
        )
        for b in found
    )
    mine = tuple(o for o in orders.orders_for(session, viewer, limit=200) if o.listing_id == listing.id)
    return ListingView(listing, names.get(listing.farmer_id, ""), is_seller, threads, mine)


@dataclass(frozen=True)
class SellerPlace:
    district: str
    state: str
    village: str


def farmer_place(session: Session, viewer: Principal) -> SellerPlace | None:
    """Where a farmer's new listing starts (their profile's place); None for anyone else."""
    profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == viewer.id)).first()
    if profile is None:
        return None
    return SellerPlace(profile.district or "", profile.state or "", profile.village or "")
