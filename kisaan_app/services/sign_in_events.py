"""Telling a person's open screens that their sign-in changed (issue 11: a revoked session stops at once).

The event names no session and carries only a reason: every open Reflex tab and SSE stream of that person
re-checks its own credential against the database when it hears it (state/session.py, api/events.py), and
those that no longer hold, or would now see with another role or organisation, end at once. With Redis the
bus takes it to the web process that holds the tab.
"""

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import AuthSession
from kisaan_app.models.base import utcnow
from kisaan_app.realtime.events import send_on_commit, user_target
from kisaan_app.realtime.payloads import SessionChange

LOGOUT = "logout"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
DEACTIVATED = "deactivated"
ROLE_CHANGED = "role_changed"
ORGANIZATION_CHANGED = "organization_changed"


def announce(session: Session, user_id: int, reason: str) -> None:
    """After COMMIT, the person's open tabs and streams re-check their sign-in."""
    send_on_commit(session, user_target(user_id), SessionChange(reason=reason))


def announce_if_signed_in(session: Session, user_id: int, reason: str) -> None:
    """The same, only if the person has a live session (a new account being placed in an FPO has no screens)."""
    open_session = session.exec(
        select(AuthSession.id)
        .where(AuthSession.user_id == user_id, col(AuthSession.revoked_at).is_(None))
        .where(AuthSession.expires_at > utcnow())
        .limit(1)
    ).first()
    if open_session is not None:
        announce(session, user_id, reason)
