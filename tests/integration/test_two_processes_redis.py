"""Two API server processes sharing one database: a broadcast posted to process A reaches SSE clients of
both A and B, each exactly once — through Redis pub/sub when REDIS_URL is set (on PostgreSQL, as in
production), through the stored-event follower when it is not (on a shared SQLite file, the default
local run).

Each test makes and migrates its own database, writes its users there through the services on an engine
of its own, and starts real uvicorn processes on free ports; every wait is bounded.
"""

import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from kisaan_app import migrations
from tests.api_process import api_server as _server
from tests.api_process import people as _people
from tests.api_process import wait_up as _wait_up
from tests.factories import bearer
from tests.services import create_pg_database, drop_pg_database, require_redis

RECEIVE_SECONDS = 8  # generous: the follower polls every 0.5 s, Redis is near-instant


class _Frames:
    """SSE events off one open stream: (id, event) pairs; comments and others' events pass by."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200
        self._lines = response.iter_lines()
        assert next(self._lines) == ": connected"  # sent once the process's bus subscription is live

    def until(self, last_id: int) -> list[int]:
        """Ids of the events seen up to and including `last_id`."""
        ids, deadline = [], time.monotonic() + RECEIVE_SECONDS
        for line in self._lines:  # each read bounded by the client's read timeout
            if line.startswith("id: "):
                ids.append(int(line.removeprefix("id: ")))
                if ids[-1] == last_id:
                    return ids
            assert time.monotonic() < deadline, f"event {last_id} did not arrive; saw {ids}"
        raise AssertionError(f"stream ended before event {last_id}; saw {ids}")


def _broadcast_reaches_both_processes_once(database_url: str, redis_url: str | None, logs: Path) -> None:
    migrations.upgrade("head", url=database_url)
    people = _people(database_url)
    with ExitStack() as stack:
        base_a = stack.enter_context(_server("a", database_url, redis_url, logs))
        base_b = stack.enter_context(_server("b", database_url, redis_url, logs))
        _wait_up([base_a, base_b], logs)
        client = stack.enter_context(httpx.Client(timeout=RECEIVE_SECONDS))
        streams = [
            _Frames(
                stack.enter_context(
                    client.stream(
                        "GET",
                        f"{base}/api/events/stream",
                        params={"topics": "system"},
                        headers=bearer(people["farmer"]),
                    )
                )
            )
            for base in (base_a, base_b)
        ]
        sent = []
        for message in ("from A, first", "from A, second"):
            response = client.post(
                f"{base_a}/api/events/broadcast",
                json={"message": message, "organization_id": people["org"]},
                headers=bearer(people["admin"]),
            )
            assert response.status_code == 202, response.text
            sent.append(response.json()["event_id"])
        for where, frames in zip("AB", streams, strict=True):
            # Another suite run may share this Redis: only our own ids count.
            ours = [i for i in frames.until(sent[-1]) if i in sent]
            assert ours == sent, f"process {where} delivered {ours}, expected each of {sent} once"


def test_redis_carries_a_broadcast_from_one_process_to_clients_of_both(tmp_path):
    redis_url = require_redis()
    database_url = create_pg_database("kisaan_two_proc")
    try:
        _broadcast_reaches_both_processes_once(database_url, redis_url, tmp_path)
    finally:
        drop_pg_database(database_url)


def test_without_redis_the_follower_carries_it_through_a_shared_sqlite_file(tmp_path):
    _broadcast_reaches_both_processes_once(f"sqlite:///{tmp_path / 'shared.db'}", None, tmp_path)


def test_a_logout_in_one_process_closes_the_stream_in_the_other_at_once(tmp_path):
    """The sign-in change travels on the bus (services/sign_in_events.py): process B ends the stream when it
    hears it, not at its next heartbeat (15 s)."""
    redis_url = require_redis()
    database_url = create_pg_database("kisaan_two_proc")
    try:
        migrations.upgrade("head", url=database_url)
        people = _people(database_url)
        with ExitStack() as stack:
            base_a = stack.enter_context(_server("a", database_url, redis_url, tmp_path))
            base_b = stack.enter_context(_server("b", database_url, redis_url, tmp_path))
            _wait_up([base_a, base_b], tmp_path)
            client = stack.enter_context(httpx.Client(timeout=RECEIVE_SECONDS))
            farmer = bearer(people["farmer"])
            response = stack.enter_context(
                client.stream("GET", f"{base_b}/api/events/stream", params={"topics": "system"}, headers=farmer)
            )
            frames = _Frames(response)
            started = time.monotonic()
            assert client.post(f"{base_a}/api/auth/logout", headers=farmer).status_code in (200, 204)
            lines = list(frames._lines)  # until process B hangs up; each read bounded by the client's timeout
            assert "event: revoked" in lines
            assert time.monotonic() - started < 5, "closed by the heartbeat, not by the sign-in event"
    finally:
        drop_pg_database(database_url)
