"""Shared column types and the id/created_at/updated_at mixin every table uses."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Named constraints and indexes: Alembic can drop and alter them (SQLite batch mode needs names).
# CHECK constraints are named explicitly where they are declared.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite drops tz info, PostgreSQL keeps it; we want one behaviour."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Paise as 64-bit integers: an order above ₹2.15 crore (2**31 paise) must not overflow a 32-bit column.
Money = sa.BigInteger


class Quantity(TypeDecorator):
    """A produce quantity, exact to 1/1000 of its unit: stored as an integer count of thousandths.

    Floats drift (0.1 + 0.2 != 0.3), so ten sales of 0.1 quintal would not leave a listing at exactly zero.
    SQL arithmetic on these columns (`quantity_remaining - :q`) runs on integers in the database; Python sees
    a float with at most three decimals."""

    impl = sa.BigInteger
    cache_ok = True
    SCALE = 1000

    def process_bind_param(self, value, dialect) -> int | None:
        return None if value is None else to_thousandths(value)

    def process_result_value(self, value, dialect) -> float | None:
        return None if value is None else int(value) / self.SCALE  # SUM() on PostgreSQL gives a Decimal

    def coerce_compared_value(self, op, value):
        return self  # `column - 2.5` binds 2500, like the column


def to_thousandths(value: float | int | str) -> int:
    from decimal import ROUND_HALF_EVEN, Decimal

    return int((Decimal(str(value)) * Quantity.SCALE).to_integral_value(ROUND_HALF_EVEN))


def utc_column(*, nullable: bool = True, index: bool = False, **kwargs) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index, **kwargs)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TableBase(SQLModel):
    """id + created_at + updated_at; inherit with `table=True` in each model module."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )


def check_in(column: str, values: list[str] | tuple[str, ...], name: str) -> sa.CheckConstraint:
    """A portable CHECK for string enums (works on SQLite and PostgreSQL, easy to extend in a migration)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)
