"""How many live streams (SSE) one account may open: so many a minute, and so many open at once.

A stream holds a connection and a bus subscription for as long as the client likes, so one token in a loop could
otherwise hold thousands. Opens are a moving-window limit; open streams are a budget taken when a stream starts
and given back when it ends (services/ratelimit.py reserve/release, shared through Redis between processes). The
budget's window is an hour: a count that a crashed process never gave back is forgotten by then.
"""

from kisaan_app.services import ratelimit
from kisaan_app.services.context import Principal
from kisaan_app.settings import get_settings

_OPEN_WINDOW = "hour"


def _open_rule() -> str:
    return f"{get_settings().sse_max_streams_per_user}/{_OPEN_WINDOW}"


def admit(reader: Principal) -> None:
    """Count a stream open for this person, or raise RateLimited (too many opens, or too many open now)."""
    ratelimit.take(get_settings().sse_connect_rate_per_user, "sse-connect", str(reader.id))
    ratelimit.reserve(_open_rule(), "sse-open", str(reader.id))


def release(reader: Principal) -> None:
    """The stream admitted for this person has ended."""
    ratelimit.release(_open_rule(), "sse-open", str(reader.id))
