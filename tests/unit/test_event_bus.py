"""The bus itself: commit-then-publish, the in-memory follower across processes, Redis pub/sub, replay."""

import asyncio
from datetime import timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import ALL, Event, publish_on_commit, user_target
from kisaan_app.realtime.bus import MemoryBus, RedisBus
from kisaan_app.realtime.store import events_since, purge_expired
from tests.asyncio_thread import run_async
from tests.services import require_redis


async def _collect(sub, count: int, timeout: float = 3.0) -> list[Event]:
    got = []
    async with asyncio.timeout(timeout):
        while len(got) < count:
            got.append(await sub.queue.get())
    return got


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
            assert sub.queue.empty()  # not before COMMIT
        got = await _collect(sub, 1)
        await asyncio.sleep(0.1)
        assert sub.queue.empty()
        return event, got

    event, got = run_async(scenario())
    assert [e.payload["n"] for e in got] == ["kept"] and got[0].id == event.id
    with session_scope() as session:
        assert [r.payload["n"] for r in session.exec(select(RealTimeEvent)).all()] == ["kept"]


def test_follower_delivers_events_stored_by_another_process_but_not_our_own_twice(db, monkeypatch):
    bus = MemoryBus(follow_seconds=0.05)
    monkeypatch.setattr("kisaan_app.realtime.bus.get_bus", lambda: bus)

    async def scenario():
        sub = bus.subscribe()
        await asyncio.sleep(0.1)  # the follower has read where the table ends
        with session_scope() as session:  # "another process": a row stored without this bus publishing it
            session.add(RealTimeEvent(target=ALL, topic="price", payload={"n": "worker"},
                                      expires_at=utcnow() + timedelta(hours=1)))  # fmt: skip
        with session_scope() as session:
            publish_on_commit(session, ALL, "system", {"n": "mine"})
        got = await _collect(sub, 2)
        await asyncio.sleep(0.3)
        assert sub.queue.empty(), "our own event came back through the follower"
        sub.close()
        return got

    got = run_async(scenario())
    assert sorted(e.payload["n"] for e in got) == ["mine", "worker"]


def test_redis_bus_delivers_each_event_once_to_every_process(db):
    url = require_redis()
    channel = f"kisaansay:test:{utcnow().timestamp()}"
    web_1, web_2, worker = RedisBus(url, channel), RedisBus(url, channel), RedisBus(url, channel)

    async def scenario():
        sub_1, sub_2 = web_1.subscribe(), web_2.subscribe()
        for bus in (web_1, web_2):
            await asyncio.to_thread(bus.connected.wait, 5)
        worker.publish(Event(ALL, "price", {"n": 1}, id=7))
        web_1.publish(Event(user_target(3), "weather", {"n": 2}, id=8))
        got_1, got_2 = await _collect(sub_1, 2), await _collect(sub_2, 2)
        await asyncio.sleep(0.2)
        assert sub_1.queue.empty() and sub_2.queue.empty()
        sub_1.close()
        sub_2.close()
        return got_1, got_2

    got_1, got_2 = run_async(scenario())
    assert [e.id for e in got_1] == [7, 8] and [e.id for e in got_2] == [7, 8]
    assert got_2[1].target == user_target(3) and got_2[1].payload == {"n": 2}


def test_events_since_scopes_by_target_topic_and_expiry_and_purge_removes_expired(db):
    now = utcnow()
    with session_scope() as session:
        rows = [
            RealTimeEvent(target=user_target(1), topic="weather", payload={}, expires_at=now + timedelta(hours=1)),
            RealTimeEvent(target=user_target(2), topic="weather", payload={}, expires_at=now + timedelta(hours=1)),
            RealTimeEvent(target=ALL, topic="price", payload={}, expires_at=now + timedelta(hours=1)),
            RealTimeEvent(target=ALL, topic="system", payload={}, expires_at=now - timedelta(seconds=1)),
        ]
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
    with session_scope() as session:
        mine = events_since(session, [user_target(1), ALL], 0)
        assert [e.id for e in mine] == [ids[0], ids[2]]
        assert [e.id for e in events_since(session, [user_target(1), ALL], ids[0])] == [ids[2]]
        assert [e.id for e in events_since(session, [user_target(1), ALL], 0, {"weather"})] == [ids[0]]
        assert purge_expired(session) == 1
