"""Organisations (FPOs), people, their profiles and their login sessions."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship

from kisaan_app.models.base import TableBase, UTCDateTime, check_in
from kisaan_app.models.enums import Language, MembershipStatus, Role


class Organization(TableBase, table=True):
    __tablename__ = "organization"

    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    kind: str = Field(default="fpo", max_length=20)  # fpo | cooperative | company
    registration_number: str | None = Field(default=None, max_length=60)
    district: str | None = Field(default=None, max_length=80, index=True)
    state: str | None = Field(default=None, max_length=80)
    is_active: bool = True

    members: list["User"] = Relationship(back_populates="organization")


class User(TableBase, table=True):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        check_in("role", [r.value for r in Role], "ck_user_role"),
        sa.CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="ck_user_has_contact"),
    )

    full_name: str = Field(max_length=120)
    phone: str | None = Field(default=None, max_length=20, unique=True, index=True)  # E.164
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)  # lower-cased
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.FARMER.value, max_length=20, index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    # Any language with a catalogue in kisaan_app/i18n: checked there, not by a CHECK, so a new one needs no migration.
    preferred_language: str = Field(default=Language.EN.value, max_length=8)
    is_active: bool = Field(default=True, index=True)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organization: Organization | None = Relationship(back_populates="members")
    farmer_profile: "FarmerProfile" = Relationship(back_populates="user", sa_relationship_kwargs={"uselist": False})
    buyer_profile: "BuyerProfile" = Relationship(back_populates="user", sa_relationship_kwargs={"uselist": False})


class FarmerProfile(TableBase, table=True):
    __tablename__ = "farmer_profile"
    __table_args__ = (sa.CheckConstraint("land_area_acres IS NULL OR land_area_acres >= 0", name="ck_farmer_land"),)

    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    village: str | None = Field(default=None, max_length=120)
    district: str | None = Field(default=None, max_length=80, index=True)
    state: str | None = Field(default=None, max_length=80, index=True)
    # Comma-free list kept as JSON so "crops grown" filters work on SQLite and PostgreSQL alike.
    crops: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    land_area_acres: float | None = None

    user: User = Relationship(back_populates="farmer_profile")


class BuyerProfile(TableBase, table=True):
    __tablename__ = "buyer_profile"

    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    business_name: str | None = Field(default=None, max_length=200)
    gstin: str | None = Field(default=None, max_length=15, index=True)
    district: str | None = Field(default=None, max_length=80, index=True)
    state: str | None = Field(default=None, max_length=80)

    user: User = Relationship(back_populates="buyer_profile")


class AuthSession(TableBase, table=True):
    """One row per login (browser cookie or API token); the JWT carries its id so logout can revoke it."""

    __tablename__ = "auth_session"

    sid: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="browser", max_length=10)  # browser | api
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The browser login hands over a one-time ticket; this stamps its use so it cannot be replayed.
    ticket_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class VoiceProfile(TableBase, table=True):
    """Voice interface preferences for farmers who prefer speaking to typing (IVR / voice notes)."""

    __tablename__ = "voice_profile"

    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    language: str = Field(default=Language.HI.value, max_length=8)
    dialect: str | None = Field(default=None, max_length=40)
    speech_rate: float = 1.0
    ivr_enabled: bool = False


MEMBERSHIP_STATUSES = tuple(MembershipStatus)


class MembershipRequest(TableBase, table=True):
    """A farmer asks to join an FPO; its org admin (or a platform admin) approves or declines.

    Membership (User.organization_id) is granted only through an approved request, or directly by a platform
    admin or the demo seed, so an org admin's powers never reach a stranger who put themselves in the FPO."""

    __tablename__ = "membership_request"
    __table_args__ = (
        check_in("status", MEMBERSHIP_STATUSES, "ck_membership_request_status"),
        # One open request per person: a second ask while one waits is refused by the database too.
        sa.Index(
            "uq_membership_request_pending_user",
            "user_id",
            unique=True,
            sqlite_where=sa.text(f"status = '{MembershipStatus.PENDING}'"),
            postgresql_where=sa.text(f"status = '{MembershipStatus.PENDING}'"),
        ),
        sa.Index("ix_membership_request_organization_status", "organization_id", "status"),
    )

    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    organization_id: int = Field(foreign_key="organization.id", ondelete="CASCADE")
    status: str = Field(default=MembershipStatus.PENDING, max_length=10)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordResetCode(TableBase, table=True):
    """A one-time SMS code to set a new password: only its keyed hash is kept; it expires, is used once, and
    dies after too many wrong tries. `delivery_id` is the SMS delivery row, whose text is blanked once the code
    can no longer be used."""

    __tablename__ = "password_reset_code"
    __table_args__ = (sa.CheckConstraint("attempts >= 0", name="ck_password_reset_code_attempts"),)

    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invalidated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # superseded or out of tries
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    delivery_id: int | None = None
