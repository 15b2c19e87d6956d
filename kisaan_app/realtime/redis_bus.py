"""The Redis bus: pub/sub between every process (web servers, job workers), outages survived.

Publishing only queues (realtime/publish_queue.py: one sender thread behind a circuit breaker), so no request waits
on Redis. Each event loop's subscription pings a quiet connection, reconnects with backoff when it drops or goes
silent, and once back reads what was published meanwhile from the stored events (`_catch_up`), delivering each
event id once.
"""

import asyncio
import logging

from kisaan_app.realtime.bus import CHANNEL, _LocalFanout, _LoopFeed, _with_session
from kisaan_app.realtime.events import Event

log = logging.getLogger(__name__)


class RedisBus(_LocalFanout):
    """Redis pub/sub: every process (web servers, job workers) publishes to one channel and each process
    delivers what it hears to its own subscriptions. Our own events come back through Redis like everyone
    else's and are not delivered locally on publish, so each reaches a subscriber exactly once."""

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
