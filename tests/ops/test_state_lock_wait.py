"""The wait for a client's Reflex state is a figure on /metrics (issue 17: "state-lock waits"): two events of one
client queue at its state lock in Reflex's own in-memory state manager, and the second one's wait is observed."""

import asyncio

import reflex as rx
from prometheus_client import REGISTRY
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken

from kisaan_app.realtime.state_lock_wait import measure_state_lock_waits
from tests.asyncio_thread import run_async

HELD_SECONDS = 0.3


class FieldVisit(rx.State):
    crop: str = ""


def _observed() -> tuple[float, float]:
    count = REGISTRY.get_sample_value("kisaan_reflex_state_lock_wait_seconds_count") or 0.0
    total = REGISTRY.get_sample_value("kisaan_reflex_state_lock_wait_seconds_sum") or 0.0
    return count, total


async def _two_events_of_one_client() -> list[rx.State]:
    manager = StateManagerMemory()
    measure_state_lock_waits(manager)
    measure_state_lock_waits(manager)  # a second lifespan start must not time the wait twice
    token = BaseStateToken(ident="farmer-tab-1", cls=FieldVisit)
    first_holds = asyncio.Event()
    seen: list[rx.State] = []

    async def slow_event() -> None:
        async with manager.modify_state(token) as state:
            first_holds.set()
            await asyncio.sleep(HELD_SECONDS)
            seen.append(state)

    async def next_event() -> None:
        await first_holds.wait()
        async with manager.modify_state(token) as state:
            seen.append(state)

    await asyncio.gather(slow_event(), next_event())
    return seen


def test_a_queued_event_s_wait_for_the_state_lock_is_observed():
    count_before, total_before = _observed()
    seen = run_async(_two_events_of_one_client())
    assert len(seen) == 2 and seen[0] is seen[1]  # the wrapper hands over the client's one state, in turn
    count, total = _observed()
    assert count == count_before + 2  # two entries: the slow event and the queued one
    # The queued event waited at least as long as the first one held the lock (a lower bound, not a speed limit).
    assert total - total_before >= HELD_SECONDS * 0.9
