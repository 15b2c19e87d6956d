"""The bus itself: commit-then-publish, backpressure, the stored-event follower across processes, Redis
pub/sub (delivery once per process, reconnect), and the store's replay and cleanup queries."""

import asyncio
import threading
import time
import uuid
from datetime import timedelta

import redis
from sqlmodel import select

from kisaan_app import breakers
from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import ALL, Event, org_target, publish_on_commit, user_target
from kisaan_app.realtime.bus import MemoryBus, Subscription
from kisaan_app.realtime.redis_bus import RedisBus
from kisaan_app.realtime.store import events_after, events_since, latest_event_id, purge_expired
from tests.asyncio_thread import run_async
from tests.services import require_redis

HOUR = timedelta(hours=1)


async def _collect(sub: Subscription, count: int, timeout: float = 5.0) -> list[Event]:
    got = []
    async with asyncio.timeout(timeout):
        while len(got) < count:
            got.append(await sub.queue.get())
    return got


async def _quiet(sub: Subscription, seconds: float = 0.3) -> bool:
    """True if nothing more arrives for a while (the only way to see that a duplicate did not come)."""
    await asyncio.sleep(seconds)
    return sub.queue.empty()


def _store(**fields) -> int:
    """A row written the way another process would: stored, never published on this bus."""
    fields.setdefault("expires_at", utcnow() + HOUR)
    with session_scope() as session:
        row = RealTimeEvent(**fields)
        session.add(row)
        session.flush()
        return row.id


def _channel() -> str:
    return f"kisaansay:test:{uuid.uuid4().hex}"  # other tests in this run may use the same Redis


def test_memory_bus_delivers_to_every_subscription_once_and_stops_after_close():
    bus = MemoryBus(follow_seconds=0)

    async def scenario():
        first, second = bus.subscribe(), bus.subscribe()
        assert await first.ready(timeout=1) and bus.subscriber_count() == 2
        bus.publish(Event(ALL, "price", {"n": 1}, id=1))
        got = await _collect(first, 1), await _collect(second, 1)
        second.close()
        second.close()  # closing twice is harmless
        bus.publish(Event(ALL, "price", {"n": 2}, id=2))
        assert [e.id for e in await _collect(first, 1)] == [2]
        assert await _quiet(second, 0.1) and await _quiet(first, 0.1)
        first.close()
        return got

    first_got, second_got = run_async(scenario())
    assert [e.payload for e in first_got] == [{"n": 1}] and [e.payload for e in second_got] == [{"n": 1}]
    assert bus.subscriber_count() == 0


def test_subscriptions_on_two_event_loops_each_get_events_published_from_any_thread():
    bus = MemoryBus(follow_seconds=0)
    both_subscribed = threading.Barrier(3, timeout=5)

    async def consumer():
        sub = bus.subscribe()
        both_subscribed.wait()  # a sync wait is fine: nothing else runs on this loop yet
        try:
            return [e.id for e in await _collect(sub, 2)]
        finally:
            sub.close()

    results: list = []
    threads = [threading.Thread(target=lambda: results.append(run_async(consumer()))) for _ in range(2)]
    for thread in threads:
        thread.start()
    both_subscribed.wait()
    bus.publish(Event(ALL, "system", {}, id=1))  # from this (non-loop) thread
    bus.publish(Event(ALL, "system", {}, id=2))
    for thread in threads:
        thread.join(timeout=10)
    assert results == [[1, 2], [1, 2]]


def test_a_full_subscription_drops_and_counts_instead_of_growing():
    bus = MemoryBus(follow_seconds=0)

    async def scenario():
        slow, fast = bus.subscribe(maxsize=2), bus.subscribe()
        for n in range(5):
            bus.publish(Event(ALL, "price", {"n": n}, id=n + 1))
        await _collect(fast, 5)
        kept = [e.id for e in await _collect(slow, 2)]
        return kept, slow.dropped, fast.dropped

    kept, slow_dropped, fast_dropped = run_async(scenario())
    assert kept == [1, 2] and slow_dropped == 3 and fast_dropped == 0


def test_nothing_is_published_for_a_rolled_back_transaction_and_once_after_commit(db, monkeypatch):
    bus = MemoryBus(follow_seconds=0)
    monkeypatch.setattr("kisaan_app.realtime.bus.get_bus", lambda: bus)

    async def scenario():
        sub = bus.subscribe()
        try:
            with session_scope() as session:
                publish_on_commit(session, ALL, "system", {"n": "rolled back"})
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass
        with session_scope() as session:
            event = publish_on_commit(session, ALL, "system", {"n": "kept"})
            await asyncio.sleep(0.05)
            assert sub.queue.empty()  # not before COMMIT
        got = await _collect(sub, 1)
        assert await _quiet(sub, 0.1)
        sub.close()
        return event, got

    event, got = run_async(scenario())
    assert [e.payload["n"] for e in got] == ["kept"] and got[0].id == event.id
    with session_scope() as session:
        assert [(r.id, r.payload["n"]) for r in session.exec(select(RealTimeEvent)).all()] == [(event.id, "kept")]


def test_follower_delivers_events_stored_by_another_process_but_not_our_own_twice(db, monkeypatch):
    bus = MemoryBus(follow_seconds=0.05)
    monkeypatch.setattr("kisaan_app.realtime.bus.get_bus", lambda: bus)

    async def scenario():
        sub = bus.subscribe()
        assert await sub.ready(), "the follower did not find where the table ends"
        worker_id = await asyncio.to_thread(_store, target=ALL, topic="price", payload={"n": "worker"})
        with session_scope() as session:
            mine = publish_on_commit(session, ALL, "system", {"n": "mine"})
        got = await _collect(sub, 2)
        assert await _quiet(sub), "our own event came back through the follower"
        sub.close()
        return got, worker_id, mine.id

    got, worker_id, mine_id = run_async(scenario())
    assert sorted((e.id, e.payload["n"]) for e in got) == [(worker_id, "worker"), (mine_id, "mine")]
    assert bus.subscriber_count() == 0


def test_follower_still_delivers_a_lower_id_that_commits_after_a_higher_one(db):
    # PostgreSQL hands out ids at INSERT, so a slow transaction can become visible after a later one.
    bus = MemoryBus(follow_seconds=0.05)

    async def scenario():
        sub = bus.subscribe()
        assert await sub.ready()
        base = await asyncio.to_thread(_with_latest)
        await asyncio.to_thread(_store, id=base + 3, target=ALL, topic="price", payload={"n": "fast"})
        first = await _collect(sub, 1)
        await asyncio.to_thread(_store, id=base + 1, target=ALL, topic="price", payload={"n": "slow"})
        second = await _collect(sub, 1)
        assert await _quiet(sub)
        sub.close()
        return [e.payload["n"] for e in first + second]

    assert run_async(scenario()) == ["fast", "slow"]


def _with_latest() -> int:
    with session_scope() as session:
        return latest_event_id(session)


def test_redis_bus_delivers_each_event_once_to_every_process():
    url = require_redis()
    channel = _channel()
    web_1, web_2, worker = RedisBus(url, channel), RedisBus(url, channel), RedisBus(url, channel)

    async def scenario():
        sub_1, sub_2 = web_1.subscribe(), web_2.subscribe()
        assert await sub_1.ready() and await sub_2.ready()
        worker.publish(Event(ALL, "price", {"n": 1}, id=7))
        web_1.publish(Event(user_target(3), "weather", {"n": 2}, id=8))  # not also delivered locally
        got_1, got_2 = await _collect(sub_1, 2), await _collect(sub_2, 2)
        assert await _quiet(sub_1, 0.2) and await _quiet(sub_2, 0.2)
        sub_1.close()
        sub_2.close()
        return got_1, got_2

    got_1, got_2 = run_async(scenario())
    assert [e.id for e in got_1] == [7, 8] and [e.id for e in got_2] == [7, 8]
    assert got_2[1].target == user_target(3) and got_2[1].payload == {"n": 2}


def test_redis_bus_reconnects_when_its_connection_drops_and_ignores_garbage():
    url = require_redis()
    channel = _channel()
    bus = RedisBus(url, channel)
    admin = redis.Redis.from_url(url)

    async def scenario():
        sub = bus.subscribe()
        assert await sub.ready()
        admin.publish(channel, b"not json")  # logged and skipped; the listener carries on
        # Drop only our listener's connection (other tests may be using the same Redis).
        assert admin.client_kill_filter(_id=_listener_id(admin, bus)) == 1
        async with asyncio.timeout(10):
            while True:  # back once it has resubscribed (the listener retries with backoff)
                await asyncio.sleep(0.1)
                if admin.pubsub_numsub(channel)[0][1] == 1 and await sub.ready(timeout=0.1):
                    break
        bus.publish(Event(org_target(5), "system", {"n": "after"}, id=9))
        got = await _collect(sub, 1)
        sub.close()
        return got

    try:
        got = run_async(scenario())
    finally:
        admin.close()
    assert [(e.id, e.payload) for e in got] == [(9, {"n": "after"})]


def _listener_id(admin: redis.Redis, bus: RedisBus) -> int:
    clients = [c for c in admin.client_list(_type="pubsub") if c.get("name") == bus.listener_name]
    assert len(clients) == 1, clients
    return int(clients[0]["id"])


def test_redis_publish_failure_is_logged_not_raised_into_the_commit(caplog):
    bus = RedisBus("redis://127.0.0.1:1/0", _channel())  # nothing listens on port 1
    try:
        bus.publish(Event(ALL, "system", {}, id=1))  # only queues: the caller never waits on Redis
        deadline = time.monotonic() + 10
        while "could not publish" not in caplog.text:  # the bus's sender thread tried, failed and logged it
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.05)
        assert bus.outbox.depth() == 1  # kept for the next try, not dropped
    finally:
        bus.outbox.close()
        breakers.reset_breakers()  # the one this test opened stays in this process otherwise


def test_events_since_scopes_by_target_topic_and_expiry(db):
    now = utcnow()
    ids = [
        _store(target=user_target(1), topic="weather", payload={"n": 0}),
        _store(target=user_target(2), topic="weather", payload={"n": 1}),
        _store(target=ALL, topic="price", payload={"n": 2}),
        _store(target=ALL, topic="system", payload={"n": 3}, expires_at=now - timedelta(seconds=1)),
        _store(target=org_target(4), topic="system", payload={"n": 4}),
        _store(target=org_target(5), topic="system", payload={"n": 5}),
    ]
    reader = [user_target(1), org_target(4), ALL]
    with session_scope() as session:
        assert [e.id for e in events_since(session, reader, 0)] == [ids[0], ids[2], ids[4]]
        assert [e.id for e in events_since(session, reader, ids[0])] == [ids[2], ids[4]]
        assert [e.id for e in events_since(session, reader, 0, {"weather", "system"})] == [ids[0], ids[4]]
        assert [e.id for e in events_since(session, reader, 0, limit=1)] == [ids[0]]
        replayed = events_since(session, reader, 0)[1]
        assert (replayed.target, replayed.topic, replayed.payload) == (ALL, "price", {"n": 2})
        assert latest_event_id(session) == ids[-1]
        assert [e.id for e in events_after(session, ids[3], also_ids=[ids[1]])] == [ids[1], ids[4], ids[5]]


def test_purge_expired_removes_only_expired_rows_and_the_task_runs_it(db):
    now = utcnow()
    old = _store(target=ALL, topic="system", payload={}, expires_at=now - timedelta(minutes=1))
    soon = _store(target=ALL, topic="system", payload={}, expires_at=now + timedelta(minutes=5))
    later = _store(target=ALL, topic="system", payload={}, expires_at=now + HOUR)
    with session_scope() as session:
        assert purge_expired(session, now=now + timedelta(minutes=10)) == 2  # "now" given: old and soon
    with session_scope() as session:
        assert [r.id for r in session.exec(select(RealTimeEvent)).all()] == [later]
        assert purge_expired(session) == 0
    assert old != soon

    from kisaan_app.tasks.realtime import purge_expired_events

    _store(target=ALL, topic="system", payload={}, expires_at=now - timedelta(seconds=1))
    assert purge_expired_events.call_local() == 1
