"""Who may hold a live stream, and for how long.

EventSource cannot send headers, so the SSE stream takes its credential in the query string, where proxies
and browser history keep it. That credential is therefore a ticket: single-purpose (it opens a stream and
nothing else), short-lived (a minute), and tied to the login session it came from. The stream re-checks that
session on every heartbeat and closes once it is revoked (logout, password change, deactivation) or the
person's role or organisation changed, so what they may see is never decided by a stale copy.
"""

from datetime import timedelta

from sqlmodel import Session, select

from kisaan_app.models.accounts import AuthSession, User
from kisaan_app.models.base import utcnow
from kisaan_app.services import security
from kisaan_app.services.accounts import to_principal
from kisaan_app.services.context import Principal

STREAM_TICKET = "stream"
TICKET_TTL = timedelta(seconds=60)


def issue_ticket(principal: Principal) -> str:
    return security.issue_token(principal.id, principal.session_id, STREAM_TICKET, TICKET_TTL)


def reader_for_ticket(session: Session, ticket: str | None) -> Principal | None:
    claims = security.decode_token(ticket, STREAM_TICKET) if ticket else None
    return session_principal(session, claims.session_id, claims.user_id) if claims else None


def session_principal(session: Session, session_id: str, user_id: int) -> Principal | None:
    """The person behind a login session as the database says now; None once it is revoked or expired, or the
    account deactivated."""
    row = session.exec(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.sid == session_id, AuthSession.user_id == user_id)
    ).first()
    if row is None:
        return None
    auth_session, user = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= utcnow() or not user.is_active:
        return None
    return to_principal(user, auth_session.sid)


def still_entitled(session: Session, reader: Principal) -> bool:
    """May this stream go on? Its session is live and the person's role and organisation are unchanged."""
    now = session_principal(session, reader.session_id, reader.id)
    return now is not None and (now.role, now.organization_id) == (reader.role, reader.organization_id)
