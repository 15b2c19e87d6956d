"""Circuit breakers (pybreaker) for the calls every request would otherwise wait on when Redis is gone.

After `KISAAN_REDIS_BREAKER_FAILURES` failures in a row a breaker opens: calls fail at once (no socket wait)
for `KISAAN_REDIS_BREAKER_RESET_SECONDS`, then one probe call is let through (half-open); its success closes the
breaker, its failure opens it again. Opening and closing are logged; /api/health shows each breaker's state.
"""

import hashlib
import logging
import threading
from datetime import UTC, datetime, timedelta

import pybreaker

from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
OPEN = pybreaker.STATE_OPEN

_lock = threading.Lock()
_breakers: dict[str, pybreaker.CircuitBreaker] = {}


class _LogChanges(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:
        old, new = getattr(old_state, "name", old_state), new_state.name
        if new == pybreaker.STATE_OPEN and old != pybreaker.STATE_HALF_OPEN:
            wait = cb.reset_timeout
            log.error("%s breaker opened after %d failures: failing fast for %.0fs", cb.name, cb.fail_max, wait)
        elif new == pybreaker.STATE_CLOSED and old is not None:
            log.warning("%s breaker closed: the service answers again", cb.name)


def redis_name(purpose: str, url: str) -> str:
    """A breaker's name for one Redis server: "redis-bus" for the configured REDIS_URL; another server (a test's)
    gets a short digest of its URL, never the host itself (health reports are public)."""
    if url == get_settings().redis_url:
        return f"redis-{purpose}"
    return f"redis-{purpose}-{hashlib.sha256(url.encode()).hexdigest()[:6]}"


def breaker(name: str, exclude: tuple[type[Exception], ...] = ()) -> pybreaker.CircuitBreaker:
    """This process's breaker for `name` (see redis_name), made on first use from the settings. Exceptions in
    `exclude` are answers, not failures (a RateLimited means Redis counted)."""
    with _lock:
        if name not in _breakers:
            settings = get_settings()
            _breakers[name] = pybreaker.CircuitBreaker(
                fail_max=settings.redis_breaker_failures,
                reset_timeout=settings.redis_breaker_reset_seconds,
                exclude=list(exclude),
                listeners=[_LogChanges()],
                name=name,
            )
        return _breakers[name]


def state_of(cb: pybreaker.CircuitBreaker) -> str:
    """closed, open or half-open. pybreaker moves an open breaker to half-open only on the next call: one whose
    wait is over is reported half-open (its next call is the probe), so a quiet breaker does not read "open"
    long after Redis came back."""
    state = cb.current_state
    opened_at = cb._state_storage.opened_at
    if state == OPEN and opened_at and datetime.now(UTC) >= opened_at + timedelta(seconds=cb.reset_timeout):
        return pybreaker.STATE_HALF_OPEN
    return state


PURPOSES = ("bus", "ratelimit", "jobs")


def states() -> dict[str, str]:
    """The breakers of the configured REDIS_URL made so far in this process, and their states (see state_of)."""
    url = get_settings().redis_url
    names = {redis_name(purpose, url) for purpose in PURPOSES} if url else set()
    with _lock:
        return {name: state_of(b) for name, b in sorted(_breakers.items()) if name in names}


def reset_breakers() -> None:
    """Forget every breaker (tests switch Redis URLs and settings between runs)."""
    with _lock:
        _breakers.clear()
