"""What a buyer sees first: open produce near them (anywhere when nothing is near), their offers and orders."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import BuyerProfile
from kisaan_app.models.enums import Role
from kisaan_app.models.market import Listing
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.market import bids, listings, orders

SHOWN = 5  # a home page is a glance: the market and orders pages have the rest


@dataclass(frozen=True)
class NearbyListing:
    id: int
    crop: str
    variety: str
    farmer: str
    place: str
    quantity_remaining: float
    unit: str
    asking_price_paise: int


@dataclass(frozen=True)
class MyOffer:
    listing_id: int
    crop: str
    quantity: float
    price_paise: int
    unit: str
    status: str


@dataclass(frozen=True)
class MyOrder:
    id: int
    order_number: str
    crop: str
    quantity: float
    unit: str
    amount_paise: int
    status: str


@dataclass(frozen=True)
class BuyerHome:
    district: str  # "" when the buyer has not said where they buy
    near: bool  # the listings are in their district (else the newest anywhere)
    listings: list[NearbyListing]
    offers: list[MyOffer]
    orders: list[MyOrder]


def buyer_home(session: Session, buyer: Principal) -> BuyerHome:
    require_role(buyer, Role.BUYER)
    profile = session.exec(select(BuyerProfile).where(BuyerProfile.user_id == buyer.id)).first()
    district = (profile.district if profile else None) or ""
    found: list[tuple] = []
    if district:
        found, _total = listings.search(session, listings.ListingFilter(district=district), limit=SHOWN)
    near = bool(found)
    if not found:
        found, _total = listings.search(session, listings.ListingFilter(), limit=SHOWN)
    nearby = [
        NearbyListing(
            listing.id,
            listing.crop,
            listing.variety or "",
            farmer,
            ", ".join(p for p in (listing.village, listing.district) if p),
            listing.quantity_remaining,
            listing.unit,
            listing.asking_price_paise,
        )
        for listing, farmer in found
    ]
    my_bids = bids.my_bids(session, buyer, limit=SHOWN)
    my_orders = orders.orders_for(session, buyer, limit=SHOWN)
    ids = {b.listing_id for b in my_bids} | {o.listing_id for o in my_orders}
    rows = (
        session.exec(select(Listing.id, Listing.crop, Listing.unit).where(col(Listing.id).in_(ids))).all()
        if ids
        else []
    )
    crops = {listing_id: crop for listing_id, crop, _unit in rows}
    units = {listing_id: unit for listing_id, _crop, unit in rows}
    offers = [
        MyOffer(
            b.listing_id, crops.get(b.listing_id, ""), b.quantity, b.price_paise, units.get(b.listing_id, ""), b.status
        )
        for b in my_bids
    ]
    bought = [
        MyOrder(o.id, o.order_number, crops.get(o.listing_id, ""), o.quantity, o.unit, o.amount_paise, o.status)
        for o in my_orders
    ]
    return BuyerHome(district, near, nearby, offers, bought)
