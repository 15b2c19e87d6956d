"""The event bus: in-process by default; Redis pub/sub when REDIS_URL is set (see docs in README)."""

import asyncio
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from functools import lru_cache

from kisaan_app.realtime.events import Event

log = logging.getLogger(__name__)
CHANNEL = "kisaansay:events"


class Subscription:
    """One consumer's queue of events (an SSE stream, the Reflex delivery hub)."""

    def __init__(self, bus: "_LocalFanout", loop: asyncio.AbstractEventLoop, maxsize: int = 1000) -> None:
        self._bus, self._loop = bus, loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        # Called on the publisher's thread: hand over to the subscriber's loop. A consumer too slow to keep
        # up loses events rather than memory; it can replay them from the stored rows.
        def put() -> None:
            if self.queue.full():
                self.dropped += 1
            else:
                self.queue.put_nowait(event)

        try:
            self._loop.call_soon_threadsafe(put)
        except RuntimeError:  # the subscriber's loop has closed: it is gone
            self.close()

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class _LocalFanout:
    """Subscriptions in this process and the hand-over to them; subclasses decide where events come from."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._feeder: asyncio.Task | None = None

    def deliver_locally(self, event: Event) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.offer(event)

    def subscribe(self) -> Subscription:
        loop = asyncio.get_running_loop()
        sub = Subscription(self, loop)
        with self._lock:
            self._subs.add(sub)
        if self._feeder is None or self._feeder.done():
            self._feeder = loop.create_task(self._feed())
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def claim(self, event_id: int) -> None:
        """Called at flush time, before COMMIT, with the id of an event this process will publish."""

    async def _feed(self) -> None:
        """Bring events from outside this process to the local subscriptions, while there are any."""


class MemoryBus(_LocalFanout):
    """In-process delivery, plus a follower for events other processes stored.

    Without Redis, the job worker is still a separate process: what it publishes is only in the
    RealTimeEvent table. The follower reads rows newer than the last it saw (one indexed query every
    `follow_seconds`) and delivers those this process did not publish itself.
    """

    def __init__(self, follow_seconds: float = 0.5) -> None:
        super().__init__()
        self._own_ids: deque[int] = deque(maxlen=5000)
        self._follow_seconds = follow_seconds

    def claim(self, event_id: int) -> None:
        self._own_ids.append(event_id)  # so the follower never delivers our own event a second time

    def publish(self, event: Event) -> None:
        self.deliver_locally(event)

    async def _feed(self) -> None:
        from kisaan_app.realtime.store import events_after, latest_event_id

        if not self._follow_seconds:
            return
        last_id = await asyncio.to_thread(latest_event_id)
        while self._subs:
            await asyncio.sleep(self._follow_seconds)
            try:
                events = await asyncio.to_thread(events_after, last_id)
            except Exception:  # noqa: BLE001 - a locked or restarting database must not end live delivery
                log.warning("event follower could not read stored events", exc_info=True)
                continue
            own = set(self._own_ids)
            for event in events:
                last_id = max(last_id, event.id)
                if event.id not in own:
                    self.deliver_locally(event)


class RedisBus(_LocalFanout):
    """Redis pub/sub: every process (web workers, job workers) publishes to one channel and each web
    process delivers to its own subscriptions. Our own events come back through Redis like everyone's,
    so each is delivered exactly once."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        super().__init__()
        import redis

        self.url, self.channel = url, channel
        self._client = redis.Redis.from_url(url)
        self.connected = threading.Event()  # set while the pub/sub connection is up (tests wait on it)

    def publish(self, event: Event) -> None:
        self._client.publish(self.channel, event.to_json())

    async def _feed(self) -> None:
        import redis.asyncio as aioredis

        backoff = 0.5
        while self._subs:
            client = aioredis.Redis.from_url(self.url)
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.connected.set()
                    backoff = 0.5
                    while self._subs:
                        message = await pubsub.get_message(timeout=1.0)
                        if message is not None:
                            self.deliver_locally(Event.from_json(message["data"]))
            except (OSError, aioredis.RedisError):
                self.connected.clear()
                log.warning("lost Redis pub/sub; reconnecting in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                await client.aclose()


@lru_cache
def get_bus() -> MemoryBus | RedisBus:
    from kisaan_app.settings import get_settings

    url = get_settings().redis_url
    return RedisBus(url) if url else MemoryBus()


def reset_bus() -> None:
    get_bus.cache_clear()
