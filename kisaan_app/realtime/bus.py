"""The event bus: in-process by default; Redis pub/sub when REDIS_URL is set.

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

from kisaan_app.realtime.events import Event
from kisaan_app.supervision import supervise

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


class RedisBus(_LocalFanout):
    """Redis pub/sub: every process (web servers, job workers) publishes to one channel and each process
    delivers what it hears to its own subscriptions. Our own events come back through Redis like everyone
    else's and are not delivered locally on publish, so each reaches a subscriber exactly once.

    Outages: publishing only queues (realtime/publish_queue.py: one sender thread behind a circuit breaker),
    so no request waits on Redis. A subscription that drops is retried with backoff; once it is back, what was
    published meanwhile is read from the stored events and delivered, each event id once (`_catch_up`)."""

    CATCH_UP_MARGIN = 100  # ids below the newest heard that are read again: concurrent commits may land late
    CATCH_UP_PAGE = 1000
    PING_SECONDS = 5.0  # a subscription quiet this long is pinged, to notice a Redis that stopped answering

    def __init__(
        self,
        url: str,
        channel: str = CHANNEL,
        max_backoff: float = 5.0,
        *,
        timeout: float = 2.0,
        queue_size: int = 10_000,
    ) -> None:
        super().__init__()
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        from kisaan_app.breakers import breaker, redis_name
        from kisaan_app.realtime.publish_queue import PublishQueue

        self.url, self.channel, self.max_backoff, self.timeout = url, channel, max_backoff, timeout
        # Short timeouts and one quick retry (a pooled connection gone stale after a Redis restart).
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1)
        )
        self.breaker = breaker(redis_name("bus", url))
        self.outbox = PublishQueue(self._send, self.breaker, queue_size)
        self.listener_name = f"kisaansay-bus-{id(self):x}"  # CLIENT LIST shows which connection is ours
        self.catch_ups = 0  # times a returning subscription read what it had missed from the store

    def publish(self, event: Event) -> None:
        # The change is committed and the event stored; the sender thread takes it from here.
        self.outbox.put(event)

    def _send(self, event: Event) -> None:
        self._client.publish(self.channel, event.to_json())

    def listening(self) -> bool:
        """Some loop of this process has subscribers and its Redis subscription is live."""
        with self._lock:
            feeds = [feed for feed in self._feeds.values() if feed.subs]
        return all(feed.ready.is_set() for feed in feeds)

    async def _feed(self, feed: _LoopFeed) -> None:
        import redis.asyncio as aioredis

        backoff, failures = 0.5, 0
        if feed.cursor is None:
            feed.cursor = await _newest_stored_id()
            feed.floor = feed.cursor or 0
        while feed.subs:
            # No client-side retries: a dropped connection surfaces here, is logged and retried with backoff.
            client = aioredis.Redis.from_url(
                self.url, client_name=self.listener_name, socket_connect_timeout=self.timeout, retry=None
            )
            try:
                async with client.pubsub() as pubsub:
                    # The handshake (connect, CLIENT SETNAME, SUBSCRIBE) has no socket timeout of its own: a
                    # black-holed Redis would hold it forever. TimeoutError is an OSError: retried below.
                    async with asyncio.timeout(self.timeout * 2):
                        await pubsub.subscribe(self.channel)
                        await self._confirmed(pubsub)
                    if failures:
                        log.warning("Redis pub/sub back after %d failed attempt(s); catching up", failures)
                        await self._catch_up(feed)
                    feed.ready.set()
                    backoff, failures = 0.5, 0
                    await self._listen(pubsub, feed)
            except (OSError, aioredis.RedisError):
                feed.ready.clear()
                failures += 1
                # The traceback once per outage; then one line per attempt.
                log.warning("lost Redis pub/sub; reconnecting in %.1fs", backoff, exc_info=failures == 1)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                await client.aclose()

    async def _confirmed(self, pubsub) -> None:
        """Wait for Redis to confirm the subscription: a black-holed server accepts the socket and says nothing."""
        deadline = asyncio.get_running_loop().time() + self.timeout
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            message = await pubsub.get_message(timeout=left)
            if message is not None and message["type"] == "subscribe":
                return
        raise ConnectionError("Redis did not confirm the subscription")

    async def _listen(self, pubsub, feed: _LoopFeed) -> None:
        """Hand messages on while there are subscribers. A quiet connection is pinged every PING_SECONDS; no
        answer within the timeout means Redis is gone even though the socket looks open (a black hole)."""
        loop = asyncio.get_running_loop()
        heard_at, pinged_at = loop.time(), None
        while feed.subs:
            message = await pubsub.get_message(timeout=1.0)
            now = loop.time()
            if message is not None:
                heard_at, pinged_at = now, None
                if message["type"] == "message":
                    self._hear(message["data"], feed)
            elif pinged_at is not None and now - pinged_at > self.timeout + 1.0:
                raise ConnectionError(f"Redis did not answer a ping in {self.timeout + 1.0:.0f}s")
            elif pinged_at is None and now - heard_at >= self.PING_SECONDS:
                await pubsub.ping()
                pinged_at = now

    async def _catch_up(self, feed: _LoopFeed) -> None:
        """Deliver the stored events this loop did not hear while its subscription was down (each id once)."""
        from kisaan_app.realtime import store

        if feed.cursor is None:  # the store was unreadable at start: nothing to measure the gap from
            return
        after = max(feed.floor, feed.cursor - self.CATCH_UP_MARGIN)
        caught = 0
        try:
            while True:
                events = await asyncio.to_thread(_with_session, store.events_after, after, (), self.CATCH_UP_PAGE)
                for event in events:
                    caught += self._take(event, feed)
                    after = max(after, event.id or after)
                if len(events) < self.CATCH_UP_PAGE:
                    break
        except Exception:  # noqa: BLE001 - the database blinked too: live events flow again, these are late
            log.error("could not read the events missed during the Redis outage", exc_info=True)
        self.catch_ups += 1
        log.warning("caught up %d live event(s) published while Redis pub/sub was down", caught)

    def _hear(self, raw: bytes, feed: _LoopFeed) -> None:
        try:
            event = Event.from_json(raw)
        except (ValueError, TypeError, KeyError):
            log.warning("ignoring a malformed message on %s: %.200r", self.channel, raw)
            return
        self._take(event, feed)

    def _take(self, event: Event, feed: _LoopFeed) -> int:
        """Deliver `event` unless this loop already had it (a queued publish arriving after the catch-up)."""
        if event.id is not None:
            if event.id in feed.heard:
                return 0
            feed.heard.add(event.id)
            if feed.cursor is None:
                feed.cursor = feed.floor = event.id - 1
            feed.cursor = max(feed.cursor, event.id)
        self._deliver(event, [feed])
        return 1


async def _newest_stored_id() -> int | None:
    """Where a feed starts: events up to here predate it and are never caught up. None if unreadable."""
    from kisaan_app.realtime import store

    try:
        return await asyncio.to_thread(_with_session, store.latest_event_id)
    except Exception:  # noqa: BLE001 - live events still flow; only a catch-up after an outage needs this
        log.warning("could not read the newest stored event; no catch-up until one is heard", exc_info=True)
        return None


@lru_cache
def get_bus() -> MemoryBus | RedisBus:
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
