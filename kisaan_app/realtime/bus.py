"""The event bus: in-process by default; Redis pub/sub when REDIS_URL is set (see docs in README)."""

import asyncio
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from functools import lru_cache

from kisaan_app.realtime.events import Event

log = logging.getLogger(__name__)


class Subscription:
    """One consumer's queue of events (an SSE stream, the Reflex delivery hub)."""

    def __init__(self, bus: "MemoryBus", loop: asyncio.AbstractEventLoop, maxsize: int = 1000) -> None:
        self._bus, self._loop = bus, loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)

    def offer(self, event: Event) -> None:
        # Called on the publisher's thread: hand over to the subscriber's loop. A full queue drops the
        # oldest-first consumer's event; it can always replay from the stored rows.
        def put() -> None:
            if not self.queue.full():
                self.queue.put_nowait(event)

        self._loop.call_soon_threadsafe(put)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class MemoryBus:
    """In-process delivery, plus a follower for events other processes stored.

    Without Redis, the job worker is still a separate process: what it publishes is only in the
    RealTimeEvent table. The follower reads rows newer than the last it saw (one indexed query every
    `follow_seconds`) and delivers those this process did not publish itself.
    """

    def __init__(self, follow_seconds: float = 0.5) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._own_ids: deque[int] = deque(maxlen=5000)
        self._follow_seconds = follow_seconds
        self._follower: asyncio.Task | None = None

    def claim(self, event_id: int) -> None:
        """Called at flush time, before COMMIT, so the follower can never deliver our own event twice."""
        self._own_ids.append(event_id)

    def publish(self, event: Event) -> None:
        self.deliver_locally(event)

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
        if self._follow_seconds and (self._follower is None or self._follower.done()):
            self._follower = loop.create_task(self._follow())
        return sub

    async def _follow(self) -> None:
        from kisaan_app.realtime.store import events_after, latest_event_id

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

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)


@lru_cache
def get_bus() -> MemoryBus:
    return MemoryBus()


def reset_bus() -> None:
    get_bus.cache_clear()
