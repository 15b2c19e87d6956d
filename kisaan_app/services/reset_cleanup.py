"""Housekeeping for SMS password-reset codes: no code stays readable once it can no longer be used.

The code itself is stored only as a keyed hash, but the SMS that carried it is a delivery row whose body is the
rendered text, code included, readable in the message history. password_reset.py blanks that body when a code is
used or replaced; a code that simply expires has no moment to do it, so this job does: every reset SMS that is
final (the worker will not read its body again: anything but `pending`) and whose code is no longer live gets the
"no longer valid" text. Code rows are then deleted a day after they expire (kept that long so a late attempt
still hears "expired", not "wrong code").
"""

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select, update

from kisaan_app.i18n import t
from kisaan_app.models.accounts import PasswordResetCode
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory

RESET_KEY_PREFIX = "password-reset:"  # the idempotency key of every reset SMS (password_reset._issue)
KEEP_EXPIRED = timedelta(days=1)


def spent_text() -> str:
    return t("en", "reset.sms_spent")


def redact_spent_codes(session: Session, now: datetime | None = None) -> int:
    """Blank the text of every final reset SMS whose code is used, replaced, out of tries, expired or gone."""
    now = now or utcnow()
    live = select(PasswordResetCode.delivery_id).where(
        col(PasswordResetCode.delivery_id).is_not(None),
        col(PasswordResetCode.used_at).is_(None),
        col(PasswordResetCode.invalidated_at).is_(None),
        col(PasswordResetCode.expires_at) > now,
    )
    result = session.exec(
        update(NotificationHistory)
        .where(
            col(NotificationHistory.idempotency_key).startswith(RESET_KEY_PREFIX),
            NotificationHistory.status != "pending",
            col(NotificationHistory.body) != spent_text(),
            col(NotificationHistory.id).not_in(live),
        )
        .values(body=spent_text(), updated_at=now)
    )
    return result.rowcount or 0


def purge_expired_codes(session: Session, now: datetime | None = None) -> int:
    """Delete code rows that expired more than KEEP_EXPIRED ago (used or not)."""
    cutoff = (now or utcnow()) - KEEP_EXPIRED
    result = session.exec(delete(PasswordResetCode).where(col(PasswordResetCode.expires_at) < cutoff))
    return result.rowcount or 0


def clean_up(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Redact first (it needs the code rows to know which codes are live), then purge."""
    return redact_spent_codes(session, now), purge_expired_codes(session, now)
