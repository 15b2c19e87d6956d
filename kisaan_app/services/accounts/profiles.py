"""My profile: the details a farmer or buyer keeps about themselves."""

from dataclasses import asdict, dataclass, field

from sqlmodel import Session, select

from kisaan_app.i18n import available_languages
from kisaan_app.models.accounts import BuyerProfile, FarmerProfile, Organization, User
from kisaan_app.models.enums import Role
from kisaan_app.services import audit, glossary
from kisaan_app.services.accounts.validation import (
    check_crops,
    check_land_area,
    check_name,
    normalize_gstin,
    optional_text,
)
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import NotFound, ValidationFailed


@dataclass
class ProfileView:
    user_id: int
    full_name: str
    role: str
    phone: str | None
    email: str | None
    preferred_language: str
    organization_id: int | None
    organization_name: str | None
    village: str | None = None
    district: str | None = None
    state: str | None = None
    crops: list[str] = field(default_factory=list)
    land_area_acres: float | None = None
    business_name: str | None = None
    gstin: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def get_profile(session: Session, principal: Principal) -> ProfileView:
    user = session.get(User, principal.id)
    if user is None:
        raise NotFound("user_not_found")
    org = session.get(Organization, user.organization_id) if user.organization_id else None
    view = ProfileView(
        user_id=user.id,
        full_name=user.full_name,
        role=user.role,
        phone=user.phone,
        email=user.email,
        preferred_language=user.preferred_language,
        organization_id=user.organization_id,
        organization_name=org.name if org else None,
    )
    farmer = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).first()
    if farmer:
        view.village, view.district, view.state = farmer.village, farmer.district, farmer.state
        view.crops, view.land_area_acres = list(farmer.crops or []), farmer.land_area_acres
    buyer = session.exec(select(BuyerProfile).where(BuyerProfile.user_id == user.id)).first()
    if buyer:
        view.business_name, view.gstin = buyer.business_name, buyer.gstin
        view.district, view.state = buyer.district or view.district, buyer.state or view.state
    return view


def update_profile(session: Session, principal: Principal, changes: dict, meta: RequestMeta) -> ProfileView:
    """Apply the fields given in `changes` (others stay as they are); every field is validated first."""
    user = session.get(User, principal.id)
    if user is None:
        raise NotFound("user_not_found")
    clean: dict = {}
    if "full_name" in changes:
        clean["full_name"] = check_name(changes["full_name"])
    if "preferred_language" in changes:
        if changes["preferred_language"] not in available_languages():
            raise ValidationFailed("invalid_language", field="preferred_language")
        clean["preferred_language"] = changes["preferred_language"]
    for key, max_len in (("village", 120), ("district", 80), ("state", 80), ("business_name", 200)):
        if key in changes:
            clean[key] = optional_text(changes[key], field=key, max_len=max_len)
    for key in ("district", "state"):  # one spelling per place ("nashik ", "नाशिक" → Nashik): alerts find them
        if clean.get(key):
            clean[key] = glossary.canonical(key, clean[key])
    if "crops" in changes:
        clean["crops"] = check_crops(changes["crops"])
    if "land_area_acres" in changes:
        clean["land_area_acres"] = check_land_area(changes["land_area_acres"])
    if "gstin" in changes:
        clean["gstin"] = normalize_gstin(changes["gstin"])

    for key in ("full_name", "preferred_language"):
        if key in clean:
            setattr(user, key, clean[key])
    session.add(user)
    if user.role == Role.FARMER:
        profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).first() or FarmerProfile(
            user_id=user.id
        )
        for key in ("village", "district", "state", "crops", "land_area_acres"):
            if key in clean:
                setattr(profile, key, clean[key])
        session.add(profile)
    elif user.role == Role.BUYER:
        profile = session.exec(select(BuyerProfile).where(BuyerProfile.user_id == user.id)).first() or BuyerProfile(
            user_id=user.id
        )
        for key in ("business_name", "gstin", "district", "state"):
            if key in clean:
                setattr(profile, key, clean[key])
        session.add(profile)
    audit.record(
        session,
        "profile.updated",
        actor=principal,
        meta=meta,
        target_type="user",
        target_id=user.id,
        details={"fields": sorted(clean)},
    )
    session.flush()
    return get_profile(session, principal)
