"""Garbage collection in the web process that holds the clients: full collections on a timer, not mid-burst.

Every connected tab keeps thousands of long-lived objects (its state tree, socket, buffers). With Python's
default thresholds, the allocations of a fan-out burst (one price tick to 1000 dashboards) trigger full
collections that walk all of them and stall the burst by ~200 ms: bench/fanout.py at 1000 clients, 15 ticks,
had one such tick with the defaults (p99 214 ms) and none with this policy (p99 183 ms, typical tick 160 ms
instead of 175 ms). Here young objects are still collected as usual (the first
two generations, with a larger first threshold), the app's startup objects are frozen out of collections,
and the full collection that frees old cycles (closed tabs) runs every few minutes instead.
"""

import asyncio
import gc
import logging

log = logging.getLogger(__name__)

THRESHOLDS = (50_000, 20, 1_000_000)  # gen0 allocations, gen1 and gen2 collection counts
FULL_COLLECTION_SECONDS = 300


def tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


async def collect_on_a_timer() -> None:
    """A Reflex lifespan task: tune once, then run the full collection every FULL_COLLECTION_SECONDS."""
    tune()
    while True:
        await asyncio.sleep(FULL_COLLECTION_SECONDS)
        found = gc.collect()
        log.debug("full collection freed %d objects", found)
