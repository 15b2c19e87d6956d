"""A crowd of farmer dashboards connecting at once, round after round, never takes the web server down.

The server is granian as production runs it (bench/storm.py starts it); each round opens every dashboard at
once over Reflex's socket with a farmer's session cookie, runs the dashboard's on_load, waits for it and drops
the tabs together. The test fails if the server process exits, a worker panics or exits, or it stops
answering. Bounded: KISAAN_STORM_CLIENTS (default 200) × KISAAN_STORM_ROUNDS (default 3); the issue's figure
(1,000 × 10) is `python bench/storm.py`.
"""

import os

import pytest

from bench.storm import storm
from tests.asyncio_thread import run_in_thread

pytestmark = pytest.mark.storm

CLIENTS = int(os.environ.get("KISAAN_STORM_CLIENTS", "200"))
ROUNDS = int(os.environ.get("KISAAN_STORM_ROUNDS", "3"))


def test_the_server_outlives_rounds_of_dashboards_connecting_at_once():
    lines: list[str] = []
    try:
        # In a thread of its own: the bench runs asyncio loops, and a browser test may hold this thread's loop.
        rounds = run_in_thread(lambda: storm(CLIENTS, ROUNDS, on_round=lines.append), timeout=1800)
    except SystemExit:
        pytest.fail("the web server died during the storm:\n" + "\n".join(lines))
    assert [r.number for r in rounds] == list(range(1, ROUNDS + 1)), lines
    for r in rounds:
        assert r.alive, lines
        # Every phone got its socket and its dashboard: a server that lives but drops the crowd is no better.
        assert (r.connected, r.loaded) == (CLIENTS, CLIENTS), lines
