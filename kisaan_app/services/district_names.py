"""District names as people type them: "nashik " and "Nashik" are one district, and "Nasik" is probably Nashik.

The known names are the districts recorded for farmers (the same list the admin pages offer), so a warning or a
bulk message aimed at a typo is caught before it reaches nobody.
"""

import difflib
from collections.abc import Iterable

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import FarmerProfile, User

# How alike two names must be to be offered as "did you mean": "Nasik"/"Nashik" score 0.91, "Pune"/"Nashik" 0.2.
CLOSE_ENOUGH = 0.75


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def farmer_districts(session: Session, organization_id: int | None = None) -> list[str]:
    """Districts of active farmers (an FPO's own when organization_id is given), each spelt as first recorded."""
    stmt = (
        select(FarmerProfile.district)
        .join(User, col(User.id) == col(FarmerProfile.user_id))
        .where(col(FarmerProfile.district).is_not(None), col(User.is_active))
    )
    if organization_id is not None:
        stmt = stmt.where(User.organization_id == organization_id)
    names: dict[str, str] = {}
    for name in sorted(session.exec(stmt.distinct()).all()):
        if name and name.strip():
            names.setdefault(_key(name), " ".join(name.split()))
    return sorted(names.values())


def same(name: str, known: Iterable[str]) -> str | None:
    """The known spelling of `name`, ignoring case and spaces; None if it is not one of them."""
    key = _key(name)
    return next((k for k in known if _key(k) == key), None)


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known district `name` most probably means (a typo), or None when none is close."""
    by_key = {_key(k): k for k in known}
    match = difflib.get_close_matches(_key(name), list(by_key), n=1, cutoff=CLOSE_ENOUGH)
    return by_key[match[0]] if match else None
