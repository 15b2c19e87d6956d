"""The web process's side of the bus: apply each event to the Reflex clients this process holds.

Runs as a Reflex lifespan task. Price ticks are held per commodity/market/variety series and delivered by
a task of their own, the newest tick per series winning: a tick for a series that has been quiet for
COALESCE_SECONDS goes out at once; ticks arriving faster, or while the previous delivery is still going out
to every tab, replace the held one, and the newest goes out when the window or that delivery ends. So a
client gets at most 2 updates a second per series however fast the feed moves, a slow round of deliveries
(Redis state round-trips, a crowd of tabs) makes the next one skip to the newest price instead of queueing
behind stale ones, and no series' newest price is ever dropped. Everything else is applied at once. A
heartbeat refreshes WebSocketConnection rows and forgets clients whose socket has gone.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kisaan_app.models.base import utcnow
from kisaan_app.realtime.bus import get_bus
from kisaan_app.realtime.events import Event, parse
from kisaan_app.realtime.registry import ClientInfo, ClientRegistry, registry
from kisaan_app.supervision import supervise

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.5
PRICE_ROLES = ("farmer", "buyer")
HEARTBEAT_SECONDS = 15
DELIVERY_CONCURRENCY = 50  # tabs a process applies one round of events to at once
# apply(token, events): opens the client's state and applies the events (see kisaan_app/state/live.py). Events
# reaching it from run() carry their typed payload (realtime.events.LiveEvent).
Applier = Callable[[str, list[Event]], Awaitable[None]]
# record(alive_tokens, gone_tokens): stores who is still connected (services.connections.record_heartbeat). It is
# handed in by the app, so this infrastructure below the services never imports them.
HeartbeatRecorder = Callable[[list[str], list[str]], None]


@dataclass
class HubStats:
    """Figures for the admin Live page: what this process received and delivered, and how late."""

    window_seconds: float = 10.0
    _received: deque = field(default_factory=deque)  # monotonic times
    _lags_ms: deque = field(default_factory=lambda: deque(maxlen=500))
    delivered: int = 0
    failed: int = 0
    malformed: int = 0  # events skipped because their payload did not fit the topic's type

    def saw(self, event: Event) -> None:
        now = time.monotonic()
        self._received.append(now)
        while self._received and self._received[0] < now - self.window_seconds:
            self._received.popleft()

    def applied(self, event: Event) -> None:
        self.delivered += 1
        self._lags_ms.append((utcnow() - event.created_at).total_seconds() * 1000)

    @property
    def events_per_second(self) -> float:
        now = time.monotonic()
        return round(sum(1 for t in self._received if t >= now - self.window_seconds) / self.window_seconds, 2)

    @property
    def lag_ms_p50(self) -> float:
        lags = sorted(self._lags_ms)
        return round(lags[len(lags) // 2], 1) if lags else 0.0


active_hub: "Hub | None" = None  # this process's hub, for the admin Live page's figures


def _series(event: Event) -> tuple:
    return tuple(event.payload.get(k) for k in ("commodity", "market", "variety"))


class Hub:
    def __init__(
        self, apply: Applier, clients: ClientRegistry = registry, record_heartbeat: HeartbeatRecorder | None = None
    ) -> None:
        self.apply = apply
        self.clients = clients
        self.record_heartbeat = record_heartbeat
        self.stats = HubStats()
        self._prices: dict[tuple, Event] = {}  # held ticks, latest per series
        self._price_sent_at: dict[tuple, float] = {}  # monotonic time each series last went out
        self._prices_waiting = asyncio.Event()  # set when a tick is held: wakes the price delivery task

    async def run(self, connected_tokens: Callable[[], set[str]] | None = None) -> None:
        global active_hub
        active_hub = self
        subscription = get_bus().subscribe()
        # Its helpers restart on their own if they die; run() itself is supervised by whoever starts it.
        tasks = [asyncio.create_task(supervise("live-price-delivery", self._deliver_prices_forever))]
        if connected_tokens is not None:
            beat = lambda: self._heartbeat_forever(connected_tokens)  # noqa: E731
            tasks.append(asyncio.create_task(supervise("live-client-heartbeat", beat)))
        try:
            async for received in subscription:
                self.stats.saw(received)
                event = parse(received)  # once per process, not once per client; a bad payload is skipped
                if event is None:
                    self.stats.malformed += 1
                    continue
                if event.topic == "price":
                    self.hold_price(event)  # never waits for a delivery: the next tick may replace it
                else:
                    await self._deliver(self._tokens_for(event), [event])
        finally:
            subscription.close()
            for task in tasks:
                task.cancel()

    def _tokens_for(self, event: Event) -> list[str]:
        return self.clients.tokens_for(event.target)

    def hold_price(self, event: Event) -> None:
        """Keep the newest tick of its series for the price delivery task (which may be busy)."""
        self._prices[_series(event)] = event
        self._prices_waiting.set()

    async def flush_prices(self) -> float:
        """Deliver the held ticks whose series' window is over, the newest per series, to every farmer and
        buyer tab; returns the seconds until the next held series is due (0 when none is held)."""
        now = time.monotonic()
        due = [k for k in self._prices if now - self._price_sent_at.get(k, float("-inf")) >= COALESCE_SECONDS]
        batch = [self._prices.pop(k) for k in due]
        for key in due:
            self._price_sent_at[key] = now
        if batch:
            await self._deliver_prices(batch)
        now = time.monotonic()
        return max(0.0, min((self._price_sent_at[k] + COALESCE_SECONDS - now for k in self._prices), default=0.0))

    async def _deliver_prices(self, batch: list[Event]) -> None:
        tokens = [t for t in self.clients.tokens() if self._wants_prices(self.clients.get(t))]
        await self._deliver(tokens, batch)

    @staticmethod
    def _wants_prices(info: ClientInfo | None) -> bool:
        return info is not None and info.role in PRICE_ROLES

    async def _deliver_prices_forever(self) -> None:
        while True:
            await self._prices_waiting.wait()
            self._prices_waiting.clear()
            try:
                wait = await self.flush_prices()
            except Exception:  # noqa: BLE001 - one bad delivery must not stop live prices for everyone
                log.exception("price delivery failed")
                wait = COALESCE_SECONDS
            if self._prices:  # still inside a series' window, or newer ticks came in during the delivery
                await asyncio.sleep(wait)
                self._prices_waiting.set()

    async def _deliver(self, tokens: list[str], events: list[Event]) -> None:
        # Tabs in groups applied concurrently: with states in Redis each apply mostly waits for Redis (lock,
        # read, write), and one tab after another made a round to 500 tabs take seconds. Each tab appears
        # once per round, so its events still arrive in order.
        for start in range(0, len(tokens), DELIVERY_CONCURRENCY):
            group = tokens[start : start + DELIVERY_CONCURRENCY]
            outcomes = await asyncio.gather(*(self.apply(token, events) for token in group), return_exceptions=True)
            for token, outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, Exception):  # a client whose state is gone must not block the others
                    self.stats.failed += 1
                    log.warning("could not apply %s to client %s", events[0].topic, token[:8], exc_info=outcome)
                    continue
                if isinstance(outcome, BaseException):
                    raise outcome  # cancelled: the hub is stopping
                for event in events:
                    self.stats.applied(event)

    async def _heartbeat_forever(self, connected_tokens: Callable[[], set[str]]) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.heartbeat(connected_tokens())
            except Exception:  # noqa: BLE001 - a locked database skips one beat; the next one refreshes everything
                log.warning("client heartbeat failed", exc_info=True)

    async def heartbeat(self, connected: set[str]) -> None:
        held = set(self.clients.tokens())
        gone = held - connected
        for token in gone:
            self.clients.unregister(token)
        if self.record_heartbeat is not None:
            await asyncio.to_thread(self.record_heartbeat, sorted(held & connected), sorted(gone))
