"""The event bus: in-process by default; Redis pub/sub when REDIS_URL is set (see docs in README)."""

import asyncio
import threading
from collections.abc import AsyncIterator
from functools import lru_cache

from kisaan_app.realtime.events import Event


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
    """Delivers to subscribers in this process only."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def publish(self, event: Event) -> None:
        self.deliver_locally(event)

    def deliver_locally(self, event: Event) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.offer(event)

    def subscribe(self) -> Subscription:
        sub = Subscription(self, asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)


@lru_cache
def get_bus() -> MemoryBus:
    return MemoryBus()


def reset_bus() -> None:
    get_bus.cache_clear()
