"""Redis goes silent under live traffic (a black hole: connections accepted, nothing answered), then comes back.

The API runs as a real process pointed at a TCP proxy of this test's own (tests/faults/proxy.py), never at the
shared Redis directly. While Redis is silent: every request answers (503 with Retry-After where it needs Redis:
rate-limited sign-in; 2xx where it does not: reads, and broadcasts, whose events wait in the publish queue), even
60 at once, so no thread is pinned on a Redis socket; /api/health says the bus is down. After it: sign-in works
again, and an SSE stream opened before the outage receives every event published during it, each exactly once.
A second, in-process test does the same for the Reflex side: the live-delivery hub, behind the same proxy.

KISAAN_FAULT_REDIS_OUTAGE_SECONDS sets the outage (default 8 s to keep `make test` short; the issue's 20 s:
`KISAAN_FAULT_REDIS_OUTAGE_SECONDS=20`).
"""

import asyncio
import os
import queue
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import httpx
import pytest

from kisaan_app import migrations
from tests.api_process import api_server, people, wait_up
from tests.factories import PASSWORD, bearer
from tests.services import create_pg_database, drop_pg_database

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = float(os.environ.get("KISAAN_FAULT_REDIS_OUTAGE_SECONDS", "8"))
ANSWER_SECONDS = 10  # a request pinned on a silent Redis socket would wait far longer: it fails the test here
RECOVERY_SECONDS = 40  # for the subscription to come back (backoff up to 10 s) and the catch-up to arrive
HOUR = timedelta(hours=1)
AT_ONCE = 60  # more than the server's 40 worker threads: all answer only if none is held on Redis


class _Stream:
    """An SSE stream read on a thread of its own: the event ids it has delivered so far, in order."""

    def __init__(self, url: str, token: str) -> None:
        self.ids: list[int] = []
        self.connected = threading.Event()
        self._errors: queue.Queue[BaseException] = queue.Queue()
        self._client = httpx.Client(timeout=httpx.Timeout(ANSWER_SECONDS, read=40))  # keepalives every 15 s
        self._thread = threading.Thread(target=self._read, args=(url, token), daemon=True)
        self._thread.start()

    def _read(self, url: str, token: str) -> None:
        try:
            with self._client.stream("GET", url, params={"topics": "system"}, headers=bearer(token)) as response:
                assert response.status_code == 200, response.read()
                for line in response.iter_lines():
                    if line == ": connected":
                        self.connected.set()
                    elif line.startswith("id: "):
                        self.ids.append(int(line.removeprefix("id: ")))
        except BaseException as err:  # noqa: BLE001 - reported in the test's thread by wait_for
            self._errors.put(err)

    def wait_for(self, wanted: set[int], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not wanted <= set(self.ids):
            if not self._errors.empty():
                raise self._errors.get()
            assert time.monotonic() < deadline, f"missing events {sorted(wanted - set(self.ids))}; got {self.ids}"
            time.sleep(0.1)

    def close(self) -> None:
        self._client.close()


def _broadcast(client: httpx.Client, who: dict, message: str) -> int:
    response = client.post(
        "/api/events/broadcast",
        json={"message": message, "organization_id": who["org"]},
        headers=bearer(who["admin"]),
    )
    assert response.status_code == 202, response.text  # stored and queued: no Redis needed to answer
    return response.json()["event_id"]


def _login(client: httpx.Client, who: dict, language: str = "en") -> httpx.Response:
    return client.post(
        "/api/auth/login",
        json={"identifier": who["farmer_phone"], "password": PASSWORD},
        headers={"Accept-Language": language},
    )


def _refused_for_now(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "service_unavailable"


def test_a_silent_redis_pins_no_request_and_its_missed_events_arrive_after_it(redis_proxy, tmp_path):
    database_url = create_pg_database("kisaan_fault_redis")
    settings = {
        "KISAAN_REDIS_PREFIX": f"kisaansay-fault-{uuid.uuid4().hex[:8]}",  # this run's own channel and queue
        "KISAAN_REDIS_TIMEOUT_SECONDS": "1",
        "KISAAN_REDIS_BREAKER_RESET_SECONDS": "2",
        # A queue too small for the outage: the oldest waiting events are pushed out, so only the catch-up from
        # the store can bring them (a bigger queue would hand them over itself once Redis is back).
        "KISAAN_BUS_PUBLISH_QUEUE_SIZE": "2",
    }
    try:
        migrations.upgrade("head", url=database_url)
        who = people(database_url)
        with ExitStack() as stack:
            base = stack.enter_context(api_server("app", database_url, redis_proxy.url(), tmp_path, settings))
            wait_up([base], tmp_path)
            client = stack.enter_context(httpx.Client(base_url=base, timeout=ANSWER_SECONDS))
            stream = _Stream(f"{base}/api/events/stream", who["farmer"])
            stack.callback(stream.close)
            assert stream.connected.wait(ANSWER_SECONDS)
            assert _login(client, who).status_code == 200
            before = _broadcast(client, who, "before the outage")
            stream.wait_for({before}, ANSWER_SECONDS)

            redis_proxy.black_hole()
            started, during, slowest = time.monotonic(), [], 0.0
            while time.monotonic() - started < OUTAGE_SECONDS:
                t0 = time.monotonic()
                during.append(_broadcast(client, who, f"during the outage {len(during)}"))
                _refused_for_now(_login(client, who))
                assert client.get("/api/users/me", headers=bearer(who["farmer"])).status_code == 200
                slowest = max(slowest, time.monotonic() - t0)
                time.sleep(0.3)
            t0 = time.monotonic()
            with ThreadPoolExecutor(AT_ONCE) as pool:
                at_once = list(pool.map(lambda _: _login(client, who), range(AT_ONCE)))
            burst = time.monotonic() - t0
            for response in at_once:
                _refused_for_now(response)
            hindi = _login(client, who, "hi").json()["error"]["message"]
            assert any("\u0900" <= ch <= "\u097f" for ch in hindi), hindi  # the reader's language
            deadline = time.monotonic() + ANSWER_SECONDS  # the breaker opens after 3 failed sends of ~2 s each
            while (bus := client.get("/api/health").json()["checks"]["bus"])["status"] != "down":
                assert time.monotonic() < deadline, f"health never saw the outage: {bus}"
                time.sleep(0.5)
            assert bus["publish_queue"] > 0 and bus["publish_dropped"] > 0, bus
            assert during[-1] not in stream.ids  # nothing got through the black hole

            redis_proxy.restore()
            restored = time.monotonic()
            after = _broadcast(client, who, "after the outage")
            stream.wait_for({*during, after}, RECOVERY_SECONDS)
            caught_up = time.monotonic() - restored
            deadline = time.monotonic() + RECOVERY_SECONDS
            while (response := _login(client, who)).status_code != 200:
                _refused_for_now(response)  # until the breaker's half-open probe finds Redis back
                assert time.monotonic() < deadline, "sign-in never recovered"
                time.sleep(0.5)
            time.sleep(1)  # let the queued publishes arrive too: they must not repeat what the catch-up sent
            counts = Counter(stream.ids)
            assert [i for i, n in counts.items() if n > 1] == [], f"delivered twice: {stream.ids}"
            assert set(stream.ids) == {before, *during, after}
            bus = client.get("/api/health").json()["checks"]["bus"]
            assert bus["status"] == "up" and bus["subscription"] == "alive" and bus["catch_ups"] >= 1, bus
            print(
                f"\nRedis silent {OUTAGE_SECONDS:.0f} s: {len(during)} rounds, slowest round "
                f"{slowest * 1000:.0f} ms; {AT_ONCE} sign-ins at once answered 503 in {burst * 1000:.0f} ms; "
                f"{len(during) + 1} missed events arrived {caught_up:.1f} s after Redis came back"
            )
    finally:
        drop_pg_database(database_url)


def test_the_hub_catches_up_on_what_was_published_while_its_subscription_was_down(db, redis_proxy, monkeypatch):
    """The Reflex side: the live-delivery hub's Redis subscription goes silent; events committed meanwhile, by
    this process (its publishes stuck in the queue) and by another (stored only: its publish was lost), reach
    the hub's clients once Redis is back — each exactly once, although the queued publishes arrive as well."""
    from sqlmodel import select

    from kisaan_app import breakers
    from kisaan_app.db import session_scope
    from kisaan_app.models.base import utcnow
    from kisaan_app.models.realtime import RealTimeEvent
    from kisaan_app.realtime import org_target, publish_on_commit
    from kisaan_app.realtime.bus import get_bus, reset_bus
    from kisaan_app.realtime.hub import Hub
    from kisaan_app.realtime.registry import ClientInfo, ClientRegistry
    from kisaan_app.settings import get_settings
    from tests.asyncio_thread import run_async

    settings = get_settings()
    monkeypatch.setattr(settings, "redis_url", redis_proxy.url())
    monkeypatch.setattr(settings, "redis_prefix", f"kisaansay-hub-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(settings, "redis_breaker_reset_seconds", 1.0)
    reset_bus()
    breakers.reset_breakers()
    clients = ClientRegistry()
    clients.register(ClientInfo("tok-savita", 2, 20, "farmer"))
    applied: list[str] = []

    async def apply(token: str, events) -> None:
        applied.extend(e.payload["message"] for e in events)

    def publish(message: str) -> None:
        with session_scope() as session:
            publish_on_commit(session, org_target(20), "system", {"message": message})

    def stored_by_another_process(message: str) -> None:
        with session_scope() as session:
            session.add(
                RealTimeEvent(
                    target=org_target(20), topic="system", payload={"message": message}, expires_at=utcnow() + HOUR
                )
            )

    async def until(done, what: str, seconds: float = RECOVERY_SECONDS) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while not done():
            assert asyncio.get_running_loop().time() < deadline, f"not {what}: applied {applied}"
            await asyncio.sleep(0.05)

    async def scenario():
        hub = Hub(apply, clients)
        runner = asyncio.create_task(hub.run())
        bus = get_bus()
        await until(lambda: bus.subscriber_count() and bus.listening(), "subscribed")
        await asyncio.to_thread(publish, "before")
        await until(lambda: applied == ["before"], "live")
        await asyncio.to_thread(redis_proxy.black_hole)
        for message in ("during 1", "during 2"):
            await asyncio.to_thread(publish, message)
        await asyncio.to_thread(stored_by_another_process, "from the worker")
        await asyncio.to_thread(redis_proxy.restore)
        await until(lambda: len(applied) >= 4, "caught up")
        await until(lambda: bus.outbox.depth() == 0, "queue flushed")  # the queued publishes went out too...
        await asyncio.sleep(0.5)  # ...and came back through Redis: they must not be applied again
        runner.cancel()
        bus.outbox.close()
        return bus.catch_ups

    try:
        catch_ups = run_async(scenario())
    finally:
        reset_bus()
        breakers.reset_breakers()
    assert applied == ["before", "during 1", "during 2", "from the worker"]
    assert catch_ups >= 1
    with session_scope() as session:
        assert len(session.exec(select(RealTimeEvent)).all()) == 4
