"""The event bus: in-process by default; Redis pub/sub when REDIS_URL is set (realtime/redis_bus.py).

Publishing is plain sync code, callable from any thread (the after-commit hook of a request, a huey job, a
Reflex handler). Consumers (the Reflex hub, each SSE stream) call `subscribe()` inside their event loop
and read a bounded queue. Each loop that has subscriptions gets one feeder task, started on the first
subscribe and ended when the last subscription on that loop closes; it brings events from outside this
process to that loop's subscriptions (Redis pub/sub, or the stored-event follower).
"""

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from kisaan_app.realtime.events import Event
from kisaan_app.supervision import supervise

if TYPE_CHECKING:
    from kisaan_app.realtime.redis_bus import RedisBus

log = logging.getLogger(__name__)
CHANNEL = "kisaansay:events"  # with the default KISAAN_REDIS_PREFIX
QUEUE_SIZE = 1000  # per subscription; a consumer this far behind loses events and replays from the store
READY_TIMEOUT = 5.0


class _LoopFeed:
    """The subscriptions on one event loop and the task feeding them."""

    def __init__(self) -> None:
        self.subs: set[Subscription] = set()
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()  # set while outside events flow (Redis subscribed, follower placed)
        # Redis only: the newest stored id this loop has had (`floor`: the newest when it started) and the ids
        # it heard lately, so a catch-up after an outage delivers each missed event once.
        self.cursor: int | None = None
        self.floor = 0
        self.heard = _RecentIds(10_000)


class Subscription:
    """One consumer's queue of events (an SSE stream, the Reflex delivery hub)."""

    def __init__(self, bus: "_LocalFanout", loop: asyncio.AbstractEventLoop, feed: _LoopFeed, maxsize: int) -> None:
        self._bus, self._loop, self._feed = bus, loop, feed
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0  # events lost because the queue was full: the consumer should replay from the store
        self.closed = False

    def offer(self, event: Event) -> None:
        """Hand an event over from any thread to the subscriber's loop."""
        try:
            self._loop.call_soon_threadsafe(self._put, event)
        except RuntimeError:  # the subscriber's loop has closed: it is gone
            self.close()

    def _put(self, event: Event) -> None:
        # A consumer too slow to keep up loses events rather than the process's memory.
        if self.queue.full():
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("a live-event consumer is %d event(s) behind; it replays from the store", self.dropped)
        else:
            self.queue.put_nowait(event)

    async def ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """Wait until events published elsewhere reach this subscription; False if that took too long.

        A reader that replays stored events awaits this first, so nothing falls between replay and live.
        """
        try:
            await asyncio.wait_for(self._feed.ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._unsubscribe(self._loop, self)


class _LocalFanout:
    """Subscriptions in this process, grouped by event loop; subclasses decide where events come from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._feeds: dict[asyncio.AbstractEventLoop, _LoopFeed] = {}

    def subscribe(self, maxsize: int | None = None) -> Subscription:
        loop = asyncio.get_running_loop()
        with self._lock:
            feed = self._feeds.setdefault(loop, _LoopFeed())
            sub = Subscription(self, loop, feed, maxsize or QUEUE_SIZE)
            feed.subs.add(sub)
        # Only this loop's thread touches feed.task, so checking and starting it needs no lock.
        if feed.task is None or feed.task.done():
            if self._has_feeder():
                feed.task = loop.create_task(self._run_feeder(loop, feed), name="kisaansay-bus-feeder")
            else:
                feed.ready.set()
        return sub

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(feed.subs) for feed in self._feeds.values())

    def _unsubscribe(self, loop: asyncio.AbstractEventLoop, sub: Subscription) -> None:
        with self._lock:
            feed = self._feeds.get(loop)
            if feed is not None:
                feed.subs.discard(sub)
                if not feed.subs and feed.task is None:
                    del self._feeds[loop]

    def _deliver(self, event: Event, feeds: Iterable[_LoopFeed]) -> None:
        with self._lock:
            subs = [sub for feed in feeds for sub in feed.subs]
        for sub in subs:
            sub.offer(event)

    def _deliver_everywhere(self, event: Event) -> None:
        with self._lock:
            feeds = list(self._feeds.values())
        self._deliver(event, feeds)

    async def _run_feeder(self, loop: asyncio.AbstractEventLoop, feed: _LoopFeed) -> None:
        try:
            while True:
                # Returns once the loop has no subscriptions left; restarted with backoff if it dies.
                await supervise("bus-feeder", lambda: self._feed(feed))
                with self._lock:  # no await between this check and leaving: a new subscribe starts a new task
                    if not feed.subs:
                        return
        finally:
            feed.ready.clear()
            with self._lock:
                if self._feeds.get(loop) is feed:
                    del self._feeds[loop]

    def claim(self, event_id: int) -> None:
        """Called at flush time, before COMMIT, with the id of an event this process will publish."""

    def _has_feeder(self) -> bool:
        return True

    async def _feed(self, feed: _LoopFeed) -> None:
        """Bring events from outside this process to `feed.subs` while there are any; set `feed.ready`."""
        raise NotImplementedError


class _RecentIds:
    """A bounded, thread-safe set: the ids of the newest events this process published itself."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def add(self, event_id: int) -> None:
        with self._lock:
            self._ids.add(event_id)
            self._order.append(event_id)
            while len(self._order) > self._size:
                self._ids.discard(self._order.popleft())

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids


class MemoryBus(_LocalFanout):
    """In-process delivery, plus a follower for events that other processes stored.

    Without Redis the huey worker is still a separate process (`make run` starts it beside the web
    server): what it publishes exists here only as RealTimeEvent rows. The follower polls for rows newer
    than the last it saw (one indexed query every `follow_seconds`) and delivers those this process did
    not publish itself; our own events were already delivered in-process when their transaction committed.
    `follow_seconds=0` turns the follower off (a process that is alone, or a unit test).
    """

    HOLE_SECONDS = 10.0  # how long an id we skipped over may still turn up (a slow concurrent transaction)
    MAX_HOLES = 1000

    def __init__(self, follow_seconds: float = 0.5, remember: int = 10_000) -> None:
        super().__init__()
        self._own = _RecentIds(remember)
        self._follow_seconds = follow_seconds

    def claim(self, event_id: int) -> None:
        self._own.add(event_id)  # so the follower never delivers our own event a second time

    def publish(self, event: Event) -> None:
        self._deliver_everywhere(event)

    def _has_feeder(self) -> bool:
        return self._follow_seconds > 0

    async def _feed(self, feed: _LoopFeed) -> None:
        from kisaan_app.realtime import store

        cursor: int | None = None
        holes: dict[int, float] = {}  # ids below the cursor not yet seen -> when we first skipped them
        while feed.subs:
            full = False
            try:
                if cursor is None:
                    cursor = await asyncio.to_thread(_with_session, store.latest_event_id)
                    feed.ready.set()
                else:
                    events = await asyncio.to_thread(_with_session, store.events_after, cursor, list(holes))
                    cursor = self._take(events, cursor, holes, feed)
                    full = len(events) >= 1000
            except Exception:  # noqa: BLE001 - a locked or restarting database must not end live delivery
                log.warning("event follower could not read stored events", exc_info=True)
            if not full:
                await asyncio.sleep(self._follow_seconds)

    def _take(self, events: list[Event], cursor: int, holes: dict[int, float], feed: _LoopFeed) -> int:
        now = time.monotonic()
        for event in events:
            if event.id is None:  # stored rows always have one; keeps the type checker honest
                continue
            if event.id <= cursor:
                holes.pop(event.id, None)  # a late commit we were watching for
            else:
                if event.id - cursor <= 100:  # a wide gap is deleted rows, not transactions in flight
                    holes.update(dict.fromkeys(range(cursor + 1, event.id), now))
                cursor = event.id
            if event.id not in self._own:
                self._deliver(event, [feed])
        for event_id, since in list(holes.items()):
            if now - since > self.HOLE_SECONDS or len(holes) > self.MAX_HOLES:
                del holes[event_id]  # rolled back, most likely: ids are not reused on PostgreSQL
        return cursor


def _with_session(read, *args):
    from kisaan_app.db import session_scope

    with session_scope() as session:
        return read(session, *args)


@lru_cache
def get_bus() -> "MemoryBus | RedisBus":
    from kisaan_app.realtime.redis_bus import RedisBus
    from kisaan_app.settings import get_settings

    settings = get_settings()
    if not settings.redis_url:
        return MemoryBus()
    return RedisBus(
        settings.redis_url,
        f"{settings.redis_prefix}:events",
        timeout=settings.redis_timeout_seconds,
        queue_size=settings.bus_publish_queue_size,
    )


def reset_bus() -> None:
    get_bus.cache_clear()


def __getattr__(name: str):
    """`from kisaan_app.realtime.bus import RedisBus` still works: it lives in realtime/redis_bus.py."""
    if name == "RedisBus":
        from kisaan_app.realtime.redis_bus import RedisBus

        return RedisBus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
