"""Who may hold a live stream, and for how long.

EventSource cannot send headers, so the SSE stream takes its credential in the query string, where proxies
and browser history keep it. That credential is therefore a ticket: single-purpose (it opens a stream and
nothing else), short-lived (a minute), and tied to the login session it came from. The stream re-checks that
session on every heartbeat and closes once it is revoked (logout, password change, deactivation) or the
person's role or organisation changed, so what they may see is never decided by a stale copy.
"""

from datetime import timedelta

from sqlmodel import Session

from kisaan_app.services.accounts import principal_for_session, security
from kisaan_app.services.context import Principal

STREAM_TICKET = "stream"
TICKET_TTL = timedelta(seconds=60)


def issue_ticket(principal: Principal) -> str:
    return security.issue_token(principal.id, principal.session_id, STREAM_TICKET, TICKET_TTL)


def reader_for_ticket(session: Session, ticket: str | None) -> Principal | None:
    claims = security.decode_token(ticket, STREAM_TICKET) if ticket else None
    return principal_for_session(session, claims.session_id, claims.user_id) if claims else None


def still_entitled(session: Session, reader: Principal) -> bool:
    """May this stream go on? Its session is live and the person's role and organisation are unchanged."""
    now = principal_for_session(session, reader.session_id, reader.id)
    return now is not None and (now.role, now.organization_id) == (reader.role, reader.organization_id)
