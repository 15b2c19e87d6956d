"""Marketplace API under /api/market: listings, bids and their offer threads, orders — the same services and
checks as the pages (only a listing's farmer or their FPO admin accepts; only a bid's buyer withdraws; a buyer
sees their own bids, never another buyer's)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep
from kisaan_app.api.idempotent import IdempotencyKey, run_once
from kisaan_app.api.ids import RowId
from kisaan_app.db import session_scope
from kisaan_app.models.market import Bid, MarketOrder
from kisaan_app.services.errors import NotFound
from kisaan_app.services.market import bids, listings, orders, photos
from kisaan_app.services.payments import farm_gate

router = APIRouter(prefix="/api/market", tags=["marketplace"])


class ListingIn(BaseModel):
    crop: str = Field(min_length=2, max_length=60)
    variety: str | None = Field(None, max_length=60)
    grade: str | None = Field(None, max_length=30)
    quantity: float = Field(gt=0)
    unit: Literal["kg", "quintal", "tonne"] = "quintal"
    price_paise: int = Field(gt=0, description="reserve price per unit, in paise")
    auto_accept_price_paise: int | None = Field(None, gt=0)
    district: str = Field(min_length=2, max_length=80)
    state: str = Field(min_length=2, max_length=80)
    village: str | None = Field(None, max_length=120)
    available_from: AwareDatetime | None = None
    available_until: AwareDatetime | None = None
    description: str | None = Field(None, max_length=1000)
    farmer_id: RowId | None = Field(None, description="FPO admins: the member farmer this listing is for")


class ListingOut(BaseModel):
    id: int
    farmer_id: int
    crop: str
    variety: str | None
    grade: str | None
    quantity: float
    quantity_remaining: float
    unit: str
    asking_price_paise: int
    district: str
    state: str
    village: str | None
    description: str | None = None
    status: str
    has_photo: bool = False
    farmer_name: str | None = None
    created_at: datetime


class PageOut(BaseModel):
    items: list[ListingOut]
    total: int


class BidIn(BaseModel):
    quantity: float = Field(gt=0)
    price_paise: int = Field(gt=0, description="per listing unit")
    message: str | None = Field(None, max_length=500)


class CounterIn(BaseModel):
    price_paise: int = Field(gt=0)
    quantity: float | None = Field(None, gt=0)
    message: str | None = Field(None, max_length=500)


class RejectIn(BaseModel):
    message: str | None = Field(None, max_length=500)


class BidOut(BaseModel):
    id: int
    listing_id: int
    buyer_id: int
    quantity: float
    price_paise: int
    status: str
    updated_at: datetime


class OfferOut(BaseModel):
    author_id: int
    kind: str
    price_paise: int | None
    quantity: float | None
    message: str | None
    created_at: datetime


class OrderOut(BaseModel):
    id: int
    order_number: str
    listing_id: int
    bid_id: int | None
    buyer_id: int
    farmer_id: int
    quantity: float
    unit: str
    price_paise: int
    amount_paise: int
    status: str
    hold_until: datetime | None
    paid_at: datetime | None
    refunded_paise: int = 0
    dispatched_at: datetime | None = None


class StatusIn(BaseModel):
    status: Literal["dispatched", "delivered", "cancelled"]


def _listing_out(listing, farmer_name: str | None = None) -> ListingOut:
    out = ListingOut.model_validate(listing, from_attributes=True)
    return out.model_copy(update={"has_photo": bool(listing.photo_path), "farmer_name": farmer_name})


def _bid_or_order(result: Bid | MarketOrder) -> dict:
    if isinstance(result, MarketOrder):
        return {"order": OrderOut.model_validate(result, from_attributes=True).model_dump(mode="json")}
    return {"bid": BidOut.model_validate(result, from_attributes=True).model_dump(mode="json")}


@router.get("/listings", response_model=PageOut)
def search_listings(
    session: SessionDep,
    _viewer: CurrentPrincipal,
    crop: str | None = None,
    district: str | None = None,
    grade: str | None = None,
    min_quantity: Annotated[float | None, Query(gt=0)] = None,
    max_price_paise: Annotated[int | None, Query(gt=0)] = None,
    sort: Literal["newest", "price_asc", "price_desc", "quantity_desc"] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    f = listings.ListingFilter(crop, district, grade, min_quantity, max_price_paise, sort)
    rows, total = listings.search(session, f, limit, offset)
    return PageOut(items=[_listing_out(listing, name) for listing, name in rows], total=total)


@router.post("/listings", response_model=ListingOut, status_code=201)
def create_listing(
    body: ListingIn, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal, key: IdempotencyKey = None
):
    # The key does two jobs: run_once replays the first answer to a retried request (offline replays), and
    # the service's form key makes the row itself unique per author (a double tap in the app).
    data = listings.ListingInput(**body.model_dump(exclude={"farmer_id"}), form_key=key)
    return run_once(
        session,
        actor,
        key,
        "market.listing",
        body,
        201,
        lambda: _listing_out(listings.create_listing(session, actor, meta, data, farmer_id=body.farmer_id)),
    )


@router.get("/listings/{listing_id}", response_model=ListingOut)
def get_listing(listing_id: RowId, session: SessionDep, viewer: CurrentPrincipal):
    return _listing_out(listings.visible(session, viewer, listing_id))


@router.post("/listings/{listing_id}/close", response_model=ListingOut)
def close_listing(listing_id: RowId, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal):
    return _listing_out(listings.close_listing(session, actor, meta, listing_id))


@router.post("/listings/{listing_id}/photo", response_model=ListingOut)
def upload_photo(listing_id: RowId, file: UploadFile, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal):
    """JPEG, PNG or WebP up to KISAAN_PHOTO_MAX_MB (15 MB), checked by decoding it (not by its name or declared
    type) and re-encoded at most 1600 px wide."""
    return _listing_out(photos.attach(session, actor, meta, listing_id, file.file))


@router.get("/listings/{listing_id}/photo", include_in_schema=False)
def get_photo(listing_id: RowId, session: SessionDep, viewer: CurrentPrincipal):
    listing = listings.visible(session, viewer, listing_id)
    path = photos.path_of(listing)
    if path is None:
        raise NotFound("photo_not_found")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})


@router.get("/listings/{listing_id}/bids", response_model=list[BidOut])
def listing_bids(listing_id: RowId, session: SessionDep, viewer: CurrentPrincipal):
    listing = listings.visible(session, viewer, listing_id)
    return [BidOut.model_validate(b, from_attributes=True) for b in bids.bids_for_listing(session, viewer, listing)]


@router.post("/listings/{listing_id}/bids", status_code=201)
def place_bid(
    listing_id: RowId,
    body: BidIn,
    session: SessionDep,
    meta: MetaDep,
    buyer: CurrentPrincipal,
    key: IdempotencyKey = None,
):
    """A bid, or a raise of your live bid (it replaces the old figure); at or above the auto-accept price it
    comes back as an order."""
    return run_once(
        session,
        buyer,
        key,
        f"market.bid:{listing_id}",
        body,
        201,
        lambda: _bid_or_order(
            bids.place_bid(session, buyer, meta, listing_id, body.quantity, body.price_paise, body.message, key)
        ),
    )


@router.get("/bids", response_model=list[BidOut])
def my_bids(session: SessionDep, buyer: CurrentPrincipal):
    return [BidOut.model_validate(b, from_attributes=True) for b in bids.my_bids(session, buyer)]


@router.get("/bids/{bid_id}/thread", response_model=list[OfferOut])
def bid_thread(bid_id: RowId, session: SessionDep, viewer: CurrentPrincipal):
    return [OfferOut.model_validate(n, from_attributes=True) for n in bids.thread(session, viewer, bid_id)]


@router.post("/bids/{bid_id}/counter", response_model=BidOut)
def counter_bid(
    bid_id: RowId,
    body: CounterIn,
    session: SessionDep,
    meta: MetaDep,
    actor: CurrentPrincipal,
    key: IdempotencyKey = None,
):
    def write():
        bid = bids.counter(session, actor, meta, bid_id, body.price_paise, body.quantity, body.message, key)
        return BidOut.model_validate(bid, from_attributes=True)

    return run_once(session, actor, key, f"market.counter:{bid_id}", body, 200, write)


@router.post("/bids/{bid_id}/accept", response_model=OrderOut, status_code=201)
def accept_bid(bid_id: RowId, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal, key: IdempotencyKey = None):
    def write():
        return OrderOut.model_validate(bids.accept(session, actor, meta, bid_id), from_attributes=True)

    return run_once(session, actor, key, f"market.accept:{bid_id}", None, 201, write)


@router.post("/bids/{bid_id}/reject", response_model=BidOut)
def reject_bid(
    bid_id: RowId,
    session: SessionDep,
    meta: MetaDep,
    actor: CurrentPrincipal,
    body: RejectIn | None = None,
    key: IdempotencyKey = None,
):
    def write():
        bid = bids.reject(session, actor, meta, bid_id, body.message if body else None)
        return BidOut.model_validate(bid, from_attributes=True)

    return run_once(session, actor, key, f"market.reject:{bid_id}", body, 200, write)


@router.post("/bids/{bid_id}/withdraw", response_model=BidOut)
def withdraw_bid(bid_id: RowId, session: SessionDep, meta: MetaDep, buyer: CurrentPrincipal):
    return bids.withdraw(session, buyer, meta, bid_id)


@router.get("/orders", response_model=list[OrderOut])
def my_orders(session: SessionDep, viewer: CurrentPrincipal):
    return [OrderOut.model_validate(o, from_attributes=True) for o in orders.orders_for(session, viewer)]


@router.post("/orders/{order_id}/status", response_model=OrderOut)
def change_order(order_id: RowId, body: StatusIn, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal):
    return orders.advance(session, actor, meta, order_id, body.status)


@router.post("/orders/{order_id}/undo-dispatch", response_model=OrderOut)
def undo_dispatch(order_id: RowId, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal):
    """Take back a "dispatched" pressed by mistake, within KISAAN_DISPATCH_UNDO_MINUTES."""
    return orders.undo_dispatch(session, actor, meta, order_id)


class FarmGateQROut(BaseModel):
    receipt: str
    qr_id: str
    amount_paise: int
    upi_payload: str
    image_url: str
    status: str
    close_by: datetime | None


@router.post("/orders/{order_id}/farm-gate-qr", response_model=FarmGateQROut, status_code=201)
def farm_gate_qr(order_id: RowId, meta: MetaDep, seller: CurrentPrincipal):
    """What the Orders page's farm-gate button does: the buyer's payment and its single-use UPI QR."""
    shown = farm_gate.show_farm_gate_qr(session_scope, seller, meta, order_id)
    return FarmGateQROut(**shown.__dict__, image_url=f"/api/payment/qr/{shown.qr_id}.png")


@router.get("/price-hint")
def price_hint(
    session: SessionDep,
    _viewer: CurrentPrincipal,
    crop: str,
    unit: Literal["kg", "quintal", "tonne"] = "quintal",
    district: str | None = None,
    state: str | None = None,
    price_paise: Annotated[int | None, Query(gt=0)] = None,
):
    """The modal price for the crop in nearby mandis, per the listing's unit, and whether a reserve is far below."""
    hint = listings.price_hint(session, crop, district, state, unit, price_paise)
    return {"modal_paise_per_unit": hint.modal_paise_per_unit, "markets": hint.markets, "far_below": hint.far_below}
