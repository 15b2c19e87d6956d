"""The web process's side of the bus: apply each event to the Reflex clients this process holds.

Runs as a Reflex lifespan task. Price ticks are throttled per commodity/market/variety series: a tick for
a series that has been quiet for COALESCE_SECONDS goes out at once; ticks arriving faster are held and
only the latest is sent when the window ends, so a client gets at most 2 updates a second per series
however fast the feed moves. Everything else is applied at once. A heartbeat refreshes
WebSocketConnection rows and forgets clients whose socket has gone.
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

    async def run(self, connected_tokens: Callable[[], set[str]] | None = None) -> None:
        global active_hub
        active_hub = self
        subscription = get_bus().subscribe()
        # Its helpers restart on their own if they die; run() itself is supervised by whoever starts it.
        tasks = [asyncio.create_task(supervise("live-price-flush", self._flush_prices_forever))]
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
                    await self.offer_price(event)
                else:
                    await self._deliver(self._tokens_for(event), [event])
        finally:
            subscription.close()
            for task in tasks:
                task.cancel()

    def _tokens_for(self, event: Event) -> list[str]:
        return self.clients.tokens_for(event.target)

    async def offer_price(self, event: Event) -> None:
        key = tuple(event.payload.get(k) for k in ("commodity", "market", "variety"))
        now = time.monotonic()
        if key not in self._prices and now - self._price_sent_at.get(key, float("-inf")) >= COALESCE_SECONDS:
            self._price_sent_at[key] = now
            await self._deliver_prices([event])
        else:
            self._prices[key] = event  # only the latest tick per series survives the window

    async def flush_prices(self) -> None:
        if not self._prices:
            return
        batch, self._prices = list(self._prices.values()), {}
        now = time.monotonic()
        for event in batch:
            key = tuple(event.payload.get(k) for k in ("commodity", "market", "variety"))
            self._price_sent_at[key] = now
        await self._deliver_prices(batch)

    async def _deliver_prices(self, batch: list[Event]) -> None:
        tokens = [t for t in self.clients.tokens() if self._wants_prices(self.clients.get(t))]
        await self._deliver(tokens, batch)

    @staticmethod
    def _wants_prices(info: ClientInfo | None) -> bool:
        return info is not None and info.role in PRICE_ROLES

    async def _flush_prices_forever(self) -> None:
        while True:
            await asyncio.sleep(COALESCE_SECONDS)
            try:
                await self.flush_prices()
            except Exception:  # noqa: BLE001 - one bad flush must not stop live prices for everyone
                log.exception("price flush failed")

    async def _deliver(self, tokens: list[str], events: list[Event]) -> None:
        for token in tokens:
            try:
                await self.apply(token, events)
            except Exception:  # noqa: BLE001 - a client whose state is gone must not block the others
                self.stats.failed += 1
                log.warning("could not apply %s to client %s", events[0].topic, token[:8], exc_info=True)
                continue
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
