"""Produce listings: create (a farmer, or their FPO admin on their behalf), close, search, and the mandi
price hint shown while a farmer types a reserve price."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, or_, select

from kisaan_app.i18n.formatting import group_indian
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import BidStatus, ListingStatus, Role
from kisaan_app.models.market import UNITS, Listing
from kisaan_app.realtime.events import managers_target, send_on_commit, user_target
from kisaan_app.realtime.payloads import MarketChange
from kisaan_app.services import audit, glossary
from kisaan_app.services.accounts.validation import check_plain_name
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Checks, Conflict, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.feeds import price_board
from kisaan_app.services.market.form_keys import check_form_key, existing, flush_once

MAX_QUANTITY = {"kg": 1_000_000, "quintal": 10_000, "tonne": 1_000}  # one listing, not a warehouse
MAX_PRICE_PAISE = 10_000_000_00  # ₹1 crore per unit: anything above is a typo
FAR_BELOW_MANDI = 0.8  # warn when the reserve is under 80% of the nearby modal price
PER_QUINTAL = {"kg": 0.01, "quintal": 1.0, "tonne": 10.0}  # mandi prices are per quintal
SORTS = ("newest", "price_asc", "price_desc", "quantity_desc")
PLACE_FIELDS = {"crop": "crop", "district": "district", "state": "state"}  # field → glossary kind


@dataclass(frozen=True)
class ListingInput:
    crop: str
    quantity: float
    unit: str
    price_paise: int  # reserve price per unit
    district: str
    state: str
    village: str | None = None
    variety: str | None = None
    grade: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    auto_accept_price_paise: int | None = None
    description: str | None = None
    photo_path: str | None = None
    form_key: str | None = None  # one per rendered form (or API Idempotency-Key): a double tap lists once


def _name(value: str | None, field: str, *, required: bool = True) -> str | None:
    """A name in any script. Crops, districts and states become the glossary's key ("प्याज़" → Onion)."""
    shortest = 1 if field == "grade" else 2  # grades are often one letter: A, B, FAQ
    longest = 120 if field == "village" else 60 if field in ("crop", "variety") else 30 if field == "grade" else 80
    value = check_plain_name(value, field=field, code="listing_name_invalid", shortest=shortest, longest=longest)
    if value is None:
        if required:
            raise ValidationFailed("listing_field_required", field=field)
        return None
    return glossary.canonical(PLACE_FIELDS[field], value) if field in PLACE_FIELDS else value


def check_quantity(quantity: float, unit: str, *, field: str = "quantity") -> float:
    if unit not in UNITS:
        raise ValidationFailed("listing_unit", field="unit")
    try:
        quantity = float(quantity)
    except (TypeError, ValueError):
        raise ValidationFailed("quantity_invalid", field=field) from None
    if not 0 < quantity or round(quantity, 2) != quantity:
        raise ValidationFailed("quantity_invalid", field=field)
    if quantity > MAX_QUANTITY[unit]:
        raise ValidationFailed("quantity_too_large", field=field, max=group_indian(MAX_QUANTITY[unit]), unit=unit)
    return quantity


def check_price(price_paise: int, *, field: str = "price_paise") -> int:
    if not isinstance(price_paise, int) or isinstance(price_paise, bool) or price_paise <= 0:
        raise ValidationFailed("price_invalid", field=field)
    if price_paise > MAX_PRICE_PAISE:  # the message names the limit in rupees, never in paise
        raise ValidationFailed("price_too_high", field=field, max=group_indian(MAX_PRICE_PAISE // 100))
    return price_paise


def check_listing(data: ListingInput, checks: Checks | None = None) -> ListingInput:
    """Every field checked, every refusal reported at once (FieldErrors). `checks` may already hold the
    refusals of the form's own parsing (a price that is not a number): those fields are not checked twice."""
    checks = checks or Checks()

    def check(name: str, fn, *args, **kwargs):
        return None if checks.failed(name) else checks(fn, *args, **kwargs)

    crop = check("crop", _name, data.crop, "crop")
    variety = check("variety", _name, data.variety, "variety", required=False)
    grade = check("grade", _name, data.grade, "grade", required=False)
    quantity = check("quantity", check_quantity, data.quantity, data.unit)
    price = check("price_paise", check_price, data.price_paise)
    auto = None
    if data.auto_accept_price_paise is not None:
        field = "auto_accept_price_paise"
        auto = check(field, check_price, data.auto_accept_price_paise, field=field)
        if auto is not None and price is not None and auto < price:
            checks.errors.append(ValidationFailed("auto_accept_below_reserve", field="auto_accept_price_paise"))
    start, end = data.available_from, data.available_until
    if end is not None and (end <= utcnow() or (start is not None and end <= start)):
        checks.errors.append(ValidationFailed("listing_dates", field="available_until"))
    description = (data.description or "").strip() or None
    if description and len(description) > 1000:
        checks.errors.append(ValidationFailed("listing_description", field="description"))
    village = check("village", _name, data.village, "village", required=False)
    district = check("district", _name, data.district, "district")
    state = check("state", _name, data.state, "state")
    form_key = check("form_key", check_form_key, data.form_key)
    checks.done()
    return ListingInput(
        crop=crop,
        quantity=quantity,
        unit=data.unit,
        price_paise=price,
        district=district,
        state=state,
        village=village,
        variety=variety,
        grade=grade,
        available_from=start,
        available_until=end,
        auto_accept_price_paise=auto,
        description=description,
        photo_path=data.photo_path,
        form_key=form_key,
    )


def _seller(session: Session, actor: Principal, farmer_id: int | None) -> User:
    """Who sells: the farmer themself, or (assisted mode) a member farmer of the FPO admin's organisation."""
    require_role(actor, Role.FARMER, Role.ORG_ADMIN, Role.ADMIN)
    if actor.role == Role.FARMER:
        if farmer_id not in (None, actor.id):
            raise PermissionDenied()
        return session.get(User, actor.id)
    farmer = session.get(User, farmer_id) if farmer_id else None
    if farmer is None or farmer.role != Role.FARMER or not farmer.is_active:
        raise ValidationFailed("listing_farmer", field="farmer_id")
    if actor.role == Role.ORG_ADMIN and farmer.organization_id != actor.organization_id:
        raise ValidationFailed("listing_farmer", field="farmer_id")
    return farmer


def create_listing(
    session: Session, actor: Principal, meta: RequestMeta | None, data: ListingInput, farmer_id: int | None = None
) -> Listing:
    """A new open listing; the same form key again (a double tap, a retried request) returns the first one."""
    farmer = _seller(session, actor, farmer_id)
    clean = check_listing(data)
    if clean.form_key and (earlier := existing(session, Listing.created_by_id, actor, clean.form_key)) is not None:
        return earlier
    listing = Listing(
        form_key=clean.form_key,
        created_by_id=actor.id if clean.form_key else None,
        farmer_id=farmer.id,
        organization_id=farmer.organization_id,
        crop=clean.crop,
        variety=clean.variety,
        grade=clean.grade,
        quantity=clean.quantity,
        quantity_remaining=clean.quantity,
        unit=clean.unit,
        asking_price_paise=clean.price_paise,
        auto_accept_price_paise=clean.auto_accept_price_paise,
        district=clean.district,
        state=clean.state,
        village=clean.village,
        description=clean.description,
        available_from=clean.available_from,
        expires_at=clean.available_until,
        photo_path=clean.photo_path,
    )
    if not flush_once(session, listing):  # the same key won a race in another request: that one stands
        return existing(session, Listing.created_by_id, actor, clean.form_key)
    assisted = actor.id != farmer.id
    audit.record(
        session,
        "listing.create_assisted" if assisted else "listing.create",
        actor=actor,
        meta=meta,
        target_type="listing",
        target_id=listing.id,
        organization_id=farmer.organization_id,
        details={
            "farmer_id": farmer.id,
            "crop": listing.crop,
            "quantity": listing.quantity,
            "unit": listing.unit,
            "price_paise": listing.asking_price_paise,
        },
    )
    announce(session, listing, "listing_created")
    return listing


def can_manage(actor: Principal, listing: Listing) -> bool:
    """The listing's farmer, their FPO admin, or a platform admin."""
    return (
        actor.id == listing.farmer_id
        or actor.role == Role.ADMIN
        or (
            actor.role == Role.ORG_ADMIN
            and listing.organization_id is not None
            and listing.organization_id == actor.organization_id
        )
    )


def managed(session: Session, actor: Principal, listing_id: int, *, lock: bool = False) -> Listing:
    query = select(Listing).where(Listing.id == listing_id)
    listing = session.exec(query.with_for_update() if lock else query).first()
    if listing is None or not can_manage(actor, listing):
        raise NotFound("listing_not_found")
    return listing


def close_listing(session: Session, actor: Principal, meta: RequestMeta | None, listing_id: int) -> Listing:
    """Stop selling what is left; open bids are rejected, orders already made stand."""
    from kisaan_app.services.market.bids import reject_open_bids

    listing = managed(session, actor, listing_id, lock=True)
    if listing.status in (ListingStatus.CLOSED, ListingStatus.EXPIRED):
        return listing
    listing.status, listing.updated_at = ListingStatus.CLOSED, utcnow()
    session.add(listing)
    reject_open_bids(session, listing, actor, note="listing closed")
    audit.record(
        session,
        "listing.close",
        actor=actor,
        meta=meta,
        target_type="listing",
        target_id=listing.id,
        organization_id=listing.organization_id,
    )
    announce(session, listing, "listing_closed")
    return listing


def announce(session: Session, listing: Listing, kind: str, **extra) -> None:
    fields = {"status": listing.status, **extra}  # a bid event names the bid's status
    payload = MarketChange(kind=kind, listing_id=listing.id, remaining=listing.quantity_remaining, **fields)
    send_on_commit(session, user_target(listing.farmer_id), payload)
    if listing.organization_id:
        send_on_commit(session, managers_target(listing.organization_id), payload)


@dataclass(frozen=True)
class ListingFilter:
    crop: str | None = None
    district: str | None = None
    grade: str | None = None
    min_quantity: float | None = None
    max_price_paise: int | None = None
    sort: str = "newest"


def _filtered(query, f: ListingFilter):
    query = query.where(Listing.status == ListingStatus.OPEN, col(Listing.quantity_remaining) > 0)
    # An expired listing leaves search the moment it expires, not when a job gets round to it.
    query = query.where(or_(col(Listing.expires_at).is_(None), col(Listing.expires_at) > utcnow()))
    if f.crop:  # typed in any script: "प्याज़" finds the Onion listings
        query = query.where(Listing.crop == glossary.canonical("crop", f.crop))
    if f.district:
        query = query.where(Listing.district == glossary.canonical("district", f.district))
    if f.grade:
        query = query.where(Listing.grade == f.grade.strip())
    # Filters past what any listing may hold match nothing (or everything): they never reach the database, where
    # 1e308 kg or 2**70 paise cannot even be bound.
    if f.min_quantity:
        fits = f.min_quantity <= max(MAX_QUANTITY.values())
        query = query.where(col(Listing.quantity_remaining) >= f.min_quantity if fits else sa.false())
    if f.max_price_paise:
        query = query.where(col(Listing.asking_price_paise) <= min(f.max_price_paise, MAX_PRICE_PAISE))
    return query


def search(session: Session, f: ListingFilter, limit: int = 20, offset: int = 0) -> tuple[list[tuple], int]:
    """Open listings with what is left, newest (or cheapest …) first; each row (listing, farmer name).

    One query for the page (the farmer's name by join, no per-row lookups) and one count, both served by
    the (status, crop, district) / (status, created_at) / (status, price) indexes.
    """
    if f.sort not in SORTS:
        raise ValidationFailed("sort_unknown", field="sort")
    order = {
        "newest": (col(Listing.created_at).desc(), col(Listing.id).desc()),
        "price_asc": (col(Listing.asking_price_paise).asc(), col(Listing.id).desc()),
        "price_desc": (col(Listing.asking_price_paise).desc(), col(Listing.id).desc()),
        "quantity_desc": (col(Listing.quantity_remaining).desc(), col(Listing.id).desc()),
    }[f.sort]
    rows = session.exec(
        _filtered(select(Listing, User.full_name).join(User, col(User.id) == Listing.farmer_id), f)
        .order_by(*order)
        .limit(min(limit, 100))
        .offset(max(offset, 0))
    ).all()
    total = session.exec(_filtered(select(func.count()).select_from(Listing), f)).one()
    return list(rows), total


def visible(session: Session, viewer: Principal, listing_id: int) -> Listing:
    """Any signed-in person sees an open listing; a closed one only its managers and buyers who bid on it."""
    from kisaan_app.models.market import Bid

    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound("listing_not_found")
    if listing.status != ListingStatus.OPEN and not can_manage(viewer, listing):
        bid = session.exec(select(Bid.id).where(Bid.listing_id == listing_id, Bid.buyer_id == viewer.id)).first()
        if bid is None:
            raise NotFound("listing_not_found")
    return listing


@dataclass(frozen=True)
class PriceHint:
    modal_paise_per_unit: int | None  # the nearby mandis' modal price converted to the listing's unit
    markets: list[str]
    far_below: bool


def price_hint(
    session: Session, crop: str, district: str | None, state: str | None, unit: str, reserve_paise: int | None
) -> PriceHint:
    """The modal price for this crop in nearby markets (district first, then state), per the listing's unit.
    Names may be typed in any script or spelling: the glossary turns them into Agmarknet's."""
    crop = glossary.canonical("crop", crop)
    district = glossary.canonical("district", district) if district else None
    state = glossary.canonical("state", state) if state else None
    rows = price_board.latest_prices(session, [crop], district or None, state or None, limit=10)
    if not rows or unit not in PER_QUINTAL:
        return PriceHint(None, [], False)
    modals = sorted(r.modal_price_paise for r in rows)
    median_per_quintal = modals[len(modals) // 2]
    per_unit = int(round(median_per_quintal * PER_QUINTAL[unit]))
    far_below = bool(reserve_paise) and reserve_paise < FAR_BELOW_MANDI * per_unit
    return PriceHint(per_unit, sorted({r.market for r in rows})[:5], far_below)


def mine(session: Session, actor: Principal, limit: int = 50) -> list[Listing]:
    """A farmer's listings; an FPO admin's: every listing of their organisation's farmers."""
    query = select(Listing)
    if actor.role == Role.FARMER:
        query = query.where(Listing.farmer_id == actor.id)
    elif actor.role == Role.ORG_ADMIN:
        query = query.where(Listing.organization_id == actor.organization_id)
    elif actor.role != Role.ADMIN:
        raise PermissionDenied()
    return list(session.exec(query.order_by(col(Listing.id).desc()).limit(limit)).all())


def ensure_open(listing: Listing) -> None:
    if listing.status != ListingStatus.OPEN:
        raise Conflict("listing_not_open", status=listing.status)
    if listing.expires_at is not None and listing.expires_at <= utcnow():
        raise Conflict("listing_not_open", status=ListingStatus.EXPIRED)


def expire_listings(session: Session) -> int:
    """Open listings past their expiry become `expired` (search already hides them), and their live bids with
    them, so both sides see the truth. Run every minute by the market job."""
    from sqlalchemy import update

    from kisaan_app.models.market import Bid

    now = utcnow()
    due = select(Listing.id).where(Listing.status == ListingStatus.OPEN, col(Listing.expires_at) <= now)
    ids = list(session.exec(due).all())
    if not ids:
        return 0
    session.execute(
        update(Listing).where(col(Listing.id).in_(ids)).values(status=ListingStatus.EXPIRED, updated_at=now)
    )
    session.execute(
        update(Bid)
        .where(col(Bid.listing_id).in_(ids), col(Bid.status).in_((BidStatus.OPEN, BidStatus.COUNTERED)))
        .values(status=BidStatus.EXPIRED, updated_at=now)
    )
    return len(ids)
