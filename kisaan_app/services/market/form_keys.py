"""Form keys: a create form carries a key made once per render (or an API client's Idempotency-Key), and the
row it makes stores it under a unique index scoped to its author. The same key again — a double tap, a retry
after a lost answer — finds the first row instead of making a second; the database settles a race."""

import re

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed

FORM_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def check_form_key(key: str | None) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    if not FORM_KEY.match(key):
        raise ValidationFailed("form_key_invalid", field="form_key")
    return key


def existing(session: Session, owner_column, actor: Principal, key: str | None):
    """The row this actor already made with this key (None without a key)."""
    if not key:
        return None
    model = owner_column.class_
    return session.exec(select(model).where(owner_column == actor.id, model.form_key == key)).first()


def flush_once(session: Session, row) -> bool:
    """Insert `row` inside a savepoint; False when its key's unique index refused it (another request won)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True
