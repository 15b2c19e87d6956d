"""Rate limits (the `limits` library): in memory by default, shared through Redis when REDIS_URL is set."""

import time
from functools import lru_cache

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kisaan_app.services.errors import RateLimited
from kisaan_app.settings import get_settings


@lru_cache
def _limiter() -> MovingWindowRateLimiter:
    redis_url = get_settings().redis_url
    storage = storage_from_string(redis_url if redis_url else "memory://")
    return MovingWindowRateLimiter(storage)


def reset_limiter() -> None:
    _limiter.cache_clear()


def check(rule: str, *key: str) -> None:
    """Raise RateLimited if `key` has used up `rule` (e.g. "5/15 minutes") — without counting this call."""
    limit = parse(rule)
    limiter = _limiter()
    if not limiter.test(limit, *key):
        reset_at, _remaining = limiter.get_window_stats(limit, *key)
        raise RateLimited(retry_after_seconds=int(reset_at - time.time()) + 1)


def hit(rule: str, *key: str) -> None:
    """Count one use of `key` against `rule`."""
    _limiter().hit(parse(rule), *key)


def clear(rule: str, *key: str) -> None:
    _limiter().clear(parse(rule), *key)


def acquire(rule: str, *key: str) -> bool:
    """Count one use if `rule` still allows it; False (and nothing counted) when the window is full."""
    return _limiter().hit(parse(rule), *key)
