"""Live events on their way to Redis: a bounded queue drained by one thread, behind a circuit breaker.

Publishing happens in after-commit hooks of request threads and jobs. Before this queue, each publish talked to
Redis on the caller's thread, so a black-holed Redis pinned every thread that committed anything for the socket
timeout. Now `put()` only appends and returns; a thread of the bus's own sends the events in order. When Redis
fails, the breaker opens and the sender waits for the half-open probe instead of trying every event; events
wait in the queue meanwhile, and past `size` the oldest go. Nothing is lost for good: every event is already
a stored RealTimeEvent row, and the subscribers catch up from the store when their subscription comes back
(RedisBus._feed), so a queued event that arrives twice is dropped by its id there.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import pybreaker
import redis

from kisaan_app.realtime.events import Event

log = logging.getLogger(__name__)
WAIT_WHILE_OPEN = 0.25  # seconds between looks at an open breaker (cheap: no socket is touched)


class PublishQueue:
    def __init__(self, send: Callable[[Event], None], breaker: pybreaker.CircuitBreaker, size: int) -> None:
        self._send, self._breaker, self._size = send, breaker, size
        self._events: deque[Event] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self.dropped = 0  # events pushed out by newer ones while Redis was away (subscribers replay them)
        self.sent = 0
        self._closed = False

    def put(self, event: Event) -> None:
        """Queue `event` for Redis and return at once; never blocks on the network."""
        with self._wake:
            if len(self._events) >= self._size:
                self._events.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    log.warning("live-event queue full: %d oldest event(s) left to catch-up", self.dropped)
            self._events.append(event)
            self._wake.notify()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kisaansay-bus-publisher", daemon=True)
                self._thread.start()

    def depth(self) -> int:
        return len(self._events)

    def close(self) -> None:
        """Stop the sender thread after its current try (tests; a process that exits just stops)."""
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _run(self) -> None:
        while not self._closed:
            try:
                self._send_next()
            except Exception:  # noqa: BLE001 - a bug in one send must not end publishing for the process
                log.exception("live-event publisher failed; carrying on")
                time.sleep(WAIT_WHILE_OPEN)

    def _send_next(self) -> None:
        with self._wake:
            while not self._events:
                if self._closed:
                    return
                self._wake.wait()
            event = self._events[0]  # stays first until sent: order is kept across an outage
        try:
            self._breaker.call(self._send, event)
        except pybreaker.CircuitBreakerError:
            time.sleep(WAIT_WHILE_OPEN)  # open (or this failure opened it): wait for the half-open probe
            return
        except (OSError, redis.RedisError) as err:  # counted by the breaker; the event stays first in line
            log.warning("could not publish %s event %s to Redis (%s); will retry", event.topic, event.id, err)
            return
        except Exception:  # noqa: BLE001 - not the network: this event can never be sent, the next ones can
            log.exception("dropping live event %s that cannot be published", event.id)
            self._pop(event)
            return
        self.sent += 1
        self._pop(event)

    def _pop(self, event: Event) -> None:
        with self._wake:
            if self._events and self._events[0] is event:  # put() may have pushed it out meanwhile
                self._events.popleft()
