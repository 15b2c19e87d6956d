"""Rate limits (the `limits` library): in memory by default, shared through Redis when REDIS_URL is set.

With Redis they fail closed: when Redis cannot be reached (refused, or silent past KISAAN_REDIS_TIMEOUT_SECONDS)
the guarded action is refused with ServiceUnavailable (503 + Retry-After), never let through uncounted and never
a 500. A breaker (kisaan_app/breakers.py) then refuses at once for a while, so a black-holed Redis does not hold
one request thread per call for the socket timeout.
"""

import functools
import logging
import math
import threading
import time
from contextlib import nullcontext
from functools import lru_cache

import pybreaker
import redis
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

from kisaan_app.breakers import breaker, redis_name
from kisaan_app.services.errors import DomainError, RateLimited, ServiceUnavailable
from kisaan_app.settings import get_settings

log = logging.getLogger(__name__)
_made_lock = threading.Lock()


@lru_cache
def _made_limiter() -> MovingWindowRateLimiter:
    settings = get_settings()
    if not settings.redis_url:
        return MovingWindowRateLimiter(storage_from_string("memory://"))
    wait = settings.redis_timeout_seconds
    storage = storage_from_string(
        settings.redis_url,
        socket_timeout=wait,
        socket_connect_timeout=wait,
        retry=Retry(NoBackoff(), 1),  # one quick retry (a pooled connection gone stale), not redis-py's three
        key_prefix=f"{settings.redis_prefix}:limits",
        wrap_exceptions=True,
    )
    return MovingWindowRateLimiter(storage)


def _fail_closed(fn):
    """With Redis: refuse with 503 when it cannot count (down, silent, or its breaker open)."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        url = get_settings().redis_url
        if not url:
            return fn(*args, **kwargs)
        guard = breaker(redis_name("ratelimit", url), exclude=(DomainError,))
        try:
            return guard.call(fn, *args, **kwargs)
        except (pybreaker.CircuitBreakerError, StorageError, redis.RedisError, OSError) as err:
            # Each real failure is logged; while the breaker is open (its opening was logged) refusals are quiet.
            level = logging.DEBUG if isinstance(err, pybreaker.CircuitBreakerError) else logging.WARNING
            log.log(level, "rate limit %s refused: Redis unreachable (%s)", fn.__name__, type(err).__name__)
            raise ServiceUnavailable(retry_after_seconds=math.ceil(guard.reset_timeout)) from err

    return call


def _limiter() -> MovingWindowRateLimiter:
    # lru_cache may run the function once per thread racing on the first call: parallel requests would then
    # each count on a storage of their own. One limiter per process, made under a lock.
    with _made_lock:
        return _made_limiter()


# The in-memory storage loses counts when threads race on a key's first use (its expiry check pops a key that
# another thread just created), so in-process counts are serialised here; Redis counts atomically in Lua.
_memory_lock = threading.Lock()


def _serialised():
    return _memory_lock if isinstance(_limiter().storage, MemoryStorage) else nullcontext()


def reset_limiter() -> None:
    with _made_lock:
        _made_limiter.cache_clear()


@_fail_closed
def check(rule: str, *key: str) -> None:
    """Raise RateLimited if `key` has used up `rule` (e.g. "5/15 minutes") — without counting this call."""
    limit = parse(rule)
    limiter = _limiter()
    if not limiter.test(limit, *key):
        reset_at, _remaining = limiter.get_window_stats(limit, *key)
        raise RateLimited(retry_after_seconds=int(reset_at - time.time()) + 1)


@_fail_closed
def hit(rule: str, *key: str) -> None:
    """Count one use of `key` against `rule`."""
    _limiter().hit(parse(rule), *key)


@_fail_closed
def clear(rule: str, *key: str) -> None:
    _limiter().clear(parse(rule), *key)


@_fail_closed
def acquire(rule: str, *key: str) -> bool:
    """Count one use if `rule` still allows it; False (and nothing counted) when the window is full."""
    return _limiter().hit(parse(rule), *key)


@_fail_closed
def take(rule: str, *key: str) -> None:
    """Count one use, atomically, or raise RateLimited when the window is full (hit-and-test in one step)."""
    limit = parse(rule)
    limiter = _limiter()
    with _serialised():
        allowed = limiter.hit(limit, *key)
    if not allowed:
        reset_at, _remaining = limiter.get_window_stats(limit, *key)
        raise RateLimited(retry_after_seconds=int(reset_at - time.time()) + 1)


# A budget is a counter that can be given back: reserve() takes a unit before the work it guards (a password
# check), so parallel attempts can never all slip past a test made before any of them counted; release() returns
# it when the work turns out not to count (a successful login). It is a fixed window starting at the first
# reservation (the moving window cannot un-count an entry), kept under its own key prefix.


def _budget(rule: str, key: tuple[str, ...]):
    limit = parse(rule)
    return limit, _limiter().storage, limit.key_for("budget", *key)


@_fail_closed
def reserve(rule: str, *key: str) -> None:
    """Take one unit of the budget `rule` for `key`, or raise RateLimited when none is left."""
    limit, storage, name = _budget(rule, key)
    with _serialised():
        over = storage.incr(name, limit.get_expiry(), 1) > limit.amount
        if over:
            storage.incr(name, limit.get_expiry(), -1)
    if over:
        raise RateLimited(retry_after_seconds=int(storage.get_expiry(name) - time.time()) + 1)


@_fail_closed
def release(rule: str, *key: str) -> None:
    """Give back a unit taken by reserve()."""
    limit, storage, name = _budget(rule, key)
    with _serialised():
        if storage.get(name) > 0:
            storage.incr(name, limit.get_expiry(), -1)
