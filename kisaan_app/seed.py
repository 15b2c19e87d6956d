"""Demo data for the local run: two FPOs and one login per role. Idempotent; refused in production."""

from dataclasses import dataclass

from sqlmodel import Session, select

from kisaan_app.models.accounts import FarmerProfile, Organization, User
from kisaan_app.services import accounts
from kisaan_app.services.accounts import membership, profiles
from kisaan_app.services.context import RequestMeta
from kisaan_app.settings import get_settings


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    phone: str
    password: str
    district: str
    state: str
    organization: str | None = None
    crops: tuple[str, ...] = ()
    village: str | None = None


ORGANIZATIONS = (
    ("Nashik Onion Growers FPO", "Nashik", "Maharashtra"),
    ("Pune Kisan Producer Company", "Pune", "Maharashtra"),
)

DEMO_LOGINS = (
    DemoLogin("admin", "Asha Admin", "9800000001", "Admin@12345", "Pune", "Maharashtra"),
    DemoLogin(
        "org_admin", "Sunil Patil", "9800000002", "FpoAdmin@123", "Nashik", "Maharashtra", "Nashik Onion Growers FPO"
    ),
    DemoLogin(
        "farmer",
        "Ramesh Pawar",
        "9800000003",
        "Farmer@123",
        "Nashik",
        "Maharashtra",
        "Nashik Onion Growers FPO",
        ("Onion", "Grapes", "Tomato"),
        "Lasalgaon",
    ),
    DemoLogin(
        "farmer",
        "Savita Jadhav",
        "9800000004",
        "Farmer@123",
        "Pune",
        "Maharashtra",
        "Pune Kisan Producer Company",
        ("Potato", "Onion", "Wheat"),
        "Junnar",
    ),
    DemoLogin("buyer", "Imran Traders", "9800000005", "Buyer@1234", "Mumbai", "Maharashtra"),
)


def seed_demo(session: Session) -> bool:
    """Create the demo organisations and logins once. Returns False when they already exist."""
    if get_settings().is_prod:
        raise RuntimeError("refusing to seed demo logins in production (KISAAN_ENV=prod)")
    if session.exec(select(User.id).where(User.phone == "+919800000001")).first():
        return False
    meta = RequestMeta(ip="127.0.0.1", user_agent="seed-demo")
    orgs: dict[str, Organization] = {}
    for name, district, state in ORGANIZATIONS:
        org = Organization(name=name, district=district, state=state)
        session.add(org)
        session.flush()
        orgs[name] = org
    for demo in DEMO_LOGINS:
        self_signup_role = demo.role if demo.role in ("farmer", "buyer") else "farmer"
        user = accounts.register(
            session,
            accounts.Registration(
                full_name=demo.name,
                password=demo.password,
                role=self_signup_role,
                phone=demo.phone,
                district=demo.district,
                state=demo.state,
            ),
            meta,
        )
        if demo.organization:  # demo members are placed directly, as a platform admin would
            membership.assign(session, user, orgs[demo.organization].id, meta=meta)
        if demo.role != self_signup_role:
            user.role = demo.role
            session.add(user)
            # Staff accounts carry no farmer profile.
            profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).first()
            if profile:
                session.delete(profile)
        if demo.crops:
            session.flush()
            profiles.update_profile(
                session, accounts.to_principal(user), {"crops": list(demo.crops), "village": demo.village}, meta
            )
    return True


def demo_logins_present(session: Session) -> list[str]:
    """The demo logins that still open with their published password (production refuses to serve them)."""
    from kisaan_app.services.accounts.security import verify_password

    present = []
    for demo in DEMO_LOGINS:
        user = session.exec(select(User).where(User.phone == "+91" + demo.phone)).first()
        if user is not None and verify_password(user.password_hash, demo.password):
            present.append(user.phone)
    return present


def demo_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@demo.kisaansay.in"


def seed_notifications(session: Session) -> int:
    """Demo templates (one file per language, data/templates) and an email address for each demo login that has
    none, so email sends work."""
    from kisaan_app.seed_templates import seed_notification_templates

    for demo in DEMO_LOGINS:
        user = session.exec(select(User).where(User.phone == "+91" + demo.phone)).first()
        if user is not None and not user.email:
            user.email = demo_email(demo.name)
            session.add(user)
    return seed_notification_templates(session)


def seed_prices(session: Session):
    """The bundled 60-day price sample, once, so a fresh dashboard has prices and a trend to show."""
    from sqlmodel import select

    from kisaan_app.models.feeds import MandiPrice
    from kisaan_app.services.feeds.prices import import_sample

    if session.exec(select(MandiPrice.id).where(MandiPrice.source == "demo").limit(1)).first() is not None:
        return None
    return import_sample(session)


DEMO_ORDERS = (("DEMO-ORD-1001", "Onion", "Red", 10.0, 215_000), ("DEMO-ORD-1002", "Grapes", "Thompson", 2.0, 540_000))


def seed_orders(session: Session) -> int:
    """Two confirmed, unpaid orders from Ramesh to the demo buyer, so payments can be tried at once.

    (The marketplace issue builds listing → bid → order; until then these are the only orders.)"""
    from kisaan_app.models.market import Listing, MarketOrder

    farmer = session.exec(select(User).where(User.phone == "+919800000003")).first()
    buyer = session.exec(select(User).where(User.phone == "+919800000005")).first()
    if farmer is None or buyer is None:
        return 0
    made = 0
    for number, crop, variety, quintals, price_paise in DEMO_ORDERS:
        if session.exec(select(MarketOrder.id).where(MarketOrder.order_number == number)).first():
            continue
        listing = Listing(
            farmer_id=farmer.id,
            organization_id=farmer.organization_id,
            crop=crop,
            variety=variety,
            quantity=quintals * 5,
            quantity_remaining=quintals * 4,
            unit="quintal",
            asking_price_paise=price_paise,
            district="Nashik",
            state="Maharashtra",
            village="Pimpalgaon",
            status="open",
        )
        session.add(listing)
        session.flush()
        session.add(
            MarketOrder(
                order_number=number,
                listing_id=listing.id,
                buyer_id=buyer.id,
                farmer_id=farmer.id,
                organization_id=listing.organization_id,  # a sale is in the seller's FPO's books
                quantity=quintals,
                unit="quintal",
                price_paise=price_paise,
                amount_paise=int(quintals * price_paise),
            )
        )
        made += 1
    return made
