"""Who a send reaches: explicit people, or farmers chosen by organisation, district, crop and language."""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func as sa_func
from sqlmodel import Session, col, select

from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.enums import Role
from kisaan_app.models.notifications import NotificationPreference, PushSubscription
from kisaan_app.services import district_names
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import PermissionDenied
from kisaan_app.services.notifications.preferences import allowed_channels
from kisaan_app.services.notifications.sms_consent import opted_out_among

ID_CHUNK = 500  # IN (...) lists stay well under every database's parameter limit
# Filled per person in every message, on top of the sender's data.
RECIPIENT_VARIABLES = ("name", "district", "village", "crop")


@dataclass(frozen=True)
class Audience:
    user_ids: tuple[int, ...] = ()
    organization_id: int | None = None
    district: str | None = None
    crop: str | None = None
    language: str | None = None
    role: str = "farmer"

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def scoped(actor: Principal | None, audience: Audience) -> Audience:
    """An org admin reaches only their own organisation; farmers and buyers send to nobody."""
    if actor is None or actor.role == Role.ADMIN:
        return audience
    if actor.role == Role.ORG_ADMIN and actor.organization_id is not None:
        return Audience(**{**asdict(audience), "organization_id": actor.organization_id})
    raise PermissionDenied()


def resolve(session: Session, actor: Principal | None, audience: Audience) -> list[User]:
    audience = scoped(actor, audience)
    stmt = select(User).where(col(User.is_active)).order_by(col(User.id))
    if audience.user_ids:
        stmt = stmt.where(col(User.id).in_(audience.user_ids))
    elif audience.role:
        stmt = stmt.where(User.role == audience.role)
    if audience.organization_id is not None:
        stmt = stmt.where(User.organization_id == audience.organization_id)
    if audience.language:
        stmt = stmt.where(User.preferred_language == audience.language)
    if audience.district or audience.crop:
        stmt = stmt.join(FarmerProfile, col(FarmerProfile.user_id) == col(User.id))
        if audience.district:  # "nashik " is Nashik
            stmt = stmt.where(sa_func.lower(FarmerProfile.district) == " ".join(audience.district.split()).lower())
    users = list(session.exec(stmt).all())
    if audience.crop:
        # crops is a JSON list: filtered here so the same code runs on SQLite and PostgreSQL.
        crop = audience.crop.strip().lower()
        profiles = _by_user(session, FarmerProfile, [u.id for u in users])
        users = [u for u in users if crop in {c.lower() for p in profiles.get(u.id, []) for c in p.crops or []}]
    return users


def _by_user(session: Session, model, user_ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for start in range(0, len(user_ids), ID_CHUNK):
        chunk = user_ids[start : start + ID_CHUNK]
        for row in session.exec(select(model).where(col(model.user_id).in_(chunk))).all():
            found[row.user_id].append(row)
    return found


@dataclass
class Reach:
    """Preferences and push devices of a set of people, loaded in a few queries (a campaign has thousands)."""

    preferences: dict[int, NotificationPreference]
    devices: dict[int, list[PushSubscription]]
    profiles: dict[int, FarmerProfile]
    sms_opted_out: set[str] = field(default_factory=set)  # numbers that texted STOP: no SMS on any path

    @classmethod
    def load(cls, session: Session, users: list[User]) -> "Reach":
        ids = [u.id for u in users]
        prefs = {uid: rows[0] for uid, rows in _by_user(session, NotificationPreference, ids).items()}
        profiles = {uid: rows[0] for uid, rows in _by_user(session, FarmerProfile, ids).items()}
        stopped = opted_out_among(session, (u.phone for u in users))
        return cls(prefs, _by_user(session, PushSubscription, ids), profiles, stopped)

    def variables(self, user: User) -> dict[str, str]:
        """What a template can say about each recipient (RECIPIENT_VARIABLES)."""
        profile = self.profiles.get(user.id)
        crops = (profile.crops if profile else None) or []
        return {
            "name": user.full_name,
            "district": (profile.district if profile else None) or "",
            "village": (profile.village if profile else None) or "",
            "crop": crops[0] if crops else "",
        }

    def targets(
        self, user: User, channel: str, category: str, critical: bool, now: datetime | None = None
    ) -> list[tuple[str, str]]:
        """(recipient, key suffix) pairs this person gets on `channel`: none if unwanted or no contact."""
        if channel not in allowed_channels(self.preferences.get(user.id), category, critical, now):
            return []
        if channel == "in_app":
            return [(f"user:{user.id}", "in_app")]
        if channel == "sms":
            return [(user.phone, "sms")] if user.phone and user.phone not in self.sms_opted_out else []
        if channel == "email":
            return [(user.email, "email")] if user.email else []
        return [(d.endpoint, f"push:{d.id}") for d in self.devices.get(user.id, [])]


@dataclass(frozen=True)
class AudienceReach:
    """What a send would reach, shown before it goes and checked again when it goes (start_campaign)."""

    people: int  # people reached on at least one of the channels
    channels: dict[str, int]  # people per channel (push: people with at least one device)
    languages: dict[str, int]  # reached people per preferred language
    suggestion: str = ""  # "Nashik" when the audience's district "Nasik" reaches nobody


def reach_of(
    session: Session,
    actor: Principal | None,
    audience: Audience,
    channels: list[str],
    category: str,
    critical: bool = False,
) -> tuple[AudienceReach, list[User]]:
    """The reach of a send and the people it resolves to: the preview and the send use this one function."""
    users = resolve(session, actor, audience)
    reach = Reach.load(session, users)
    wanted = {u.id: [ch for ch in channels if reach.targets(u, ch, category, critical)] for u in users}
    by_channel = {ch: sum(1 for u in users if ch in wanted[u.id]) for ch in channels}
    languages: dict[str, int] = {}
    for user in users:
        if wanted[user.id]:
            languages[user.preferred_language] = languages.get(user.preferred_language, 0) + 1
    people = sum(languages.values())
    suggestion = ""
    if not people and audience.district:
        known = district_names.farmer_districts(session, scoped(actor, audience).organization_id)
        if district_names.same(audience.district, known) is None:
            suggestion = district_names.closest(audience.district, known) or ""
    return AudienceReach(people, by_channel, languages, suggestion), users


def count_by_channel(
    session: Session, actor: Principal | None, audience: Audience, channels: list[str], category: str
) -> dict[str, int]:
    """How many people each channel will reach (push: people with at least one device)."""
    return reach_of(session, actor, audience, channels, category)[0].channels
