"""The huey queue and the job registry: services start work by a job's name, after commit, never importing tasks.

Like Zulip's named queues: a service says `jobs.enqueue_on_commit(session, "notifications.deliver", ids)`; the
tasks package (kisaan_app/tasks) registers what each name runs with `@job("...")` when it is imported. The
processes that enqueue import kisaan_app.tasks at startup: the web app (kisaan_app.kisaan_app), the API on its
own (kisaan_app.asgi), the worker (its huey target is kisaan_app.tasks.huey), the CLI commands and the tests.
A name nobody registered raises UnknownJob at once, in the caller's transaction, never silently after commit.

Huey itself: an SQLite file by default, Redis when REDIS_URL is set. Run the worker with `python -m kisaan_app
worker`.
"""

from collections.abc import Callable
from typing import TypeVar

from huey import RedisHuey, SqliteHuey
from sqlmodel import Session

from kisaan_app.breakers import breaker, redis_name
from kisaan_app.db import on_commit
from kisaan_app.settings import get_settings

F = TypeVar("F", bound=Callable[..., object])


def _make_huey():
    settings = get_settings()
    if settings.redis_url:
        # huey's own pool waits forever on a silent Redis, which would pin the request thread that enqueues in its
        # after-commit hook. The worker blocks in BRPOP for up to read_timeout (1 s), so the socket waits longer.
        from redis import ConnectionPool

        wait = settings.redis_timeout_seconds + 1.0
        pool = ConnectionPool.from_url(settings.redis_url, socket_timeout=wait, socket_connect_timeout=wait)
        return RedisHuey(settings.redis_prefix, connection_pool=pool)
    settings.huey_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("kisaansay", filename=str(settings.huey_path))


huey = _make_huey()

# name → what enqueues it: a huey task (calling it enqueues) or a function that schedules huey tasks.
_registry: dict[str, Callable[..., object]] = {}


class UnknownJob(LookupError):
    """No job has this name in this process: a typo, or the process never imported kisaan_app.tasks."""


def job(name: str) -> Callable[[F], F]:
    """Register the decorated huey task (or enqueueing function) under `name`; tasks modules use it."""

    def register(fn: F) -> F:
        if _registry.get(name, fn) is not fn:
            raise ValueError(f"two jobs are named {name!r}")
        _registry[name] = fn
        return fn

    return register


def registered() -> list[str]:
    return sorted(_registry)


def resolve(name: str) -> Callable[..., object]:
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(registered()) or "none: does this process import kisaan_app.tasks?"
        raise UnknownJob(f"no job named {name!r} (registered: {known})") from None


def enqueue(name: str, *args: object, **kwargs: object) -> None:
    """Put the named job on the queue now (outside a transaction: jobs, CLI commands).

    With Redis, through a breaker: while Redis is away this fails at once (pybreaker.CircuitBreakerError) instead
    of every caller waiting for the socket timeout; rows the job was for stay pending for the sweeper jobs."""
    run = resolve(name)
    url = get_settings().redis_url
    if not url:
        run(*args, **kwargs)
        return
    breaker(redis_name("jobs", url)).call(run, *args, **kwargs)


def enqueue_on_commit(session: Session, name: str, *args: object, **kwargs: object) -> None:
    """Queue the named job once this transaction commits; never if it rolls back. The name is checked now."""
    resolve(name)
    on_commit(session, enqueue, name, *args, **kwargs)
