"""The SSE stream against a real HTTP server (uvicorn in a thread: Starlette's TestClient cannot bound an
endless stream): auth, scoping, topics, Last-Event-ID replay, heartbeats, disconnects, and the broadcast
endpoint's permissions. Every read is bounded by the httpx timeout and a deadline."""

import asyncio
import base64
import json
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlmodel import select

from kisaan_app.api import events as events_api
from kisaan_app.db import session_scope
from kisaan_app.models.audit import AuditLog
from kisaan_app.realtime import ALL, org_target, publish_now, user_target
from kisaan_app.realtime.bus import MemoryBus, get_bus, reset_bus
from kisaan_app.services.accounts import security, to_principal
from tests.asyncio_thread import run_async
from tests.factories import bearer, make_org, make_user, token_for

TIMEOUT = httpx.Timeout(5.0)


@pytest.fixture
def server(db):
    from kisaan_app.api import create_api

    reset_bus()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    reset_bus()


class Stream:
    """Reads SSE frames off an open response; comments become {"comment": ...}."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def frames(self, events: int = 0, comments: int = 0, timeout: float = 5.0) -> list[dict]:
        """Frames until `events` events (frames with an id) and `comments` comments have arrived."""
        frames: list[dict] = []
        current: dict = {}
        deadline = time.monotonic() + timeout
        for line in self._lines:  # each read is bounded by the client's read timeout
            if line.startswith(":"):
                frames.append({"comment": line[1:].strip()})
            elif line == "" and current:
                frames.append(current)
                current = {}
            elif line:
                key, _, value = line.partition(": ")
                current[key] = value
            got_events = sum(1 for f in frames if "id" in f)
            got_comments = sum(1 for f in frames if "comment" in f)
            if got_events >= events and got_comments >= comments and not current:
                return frames
            assert time.monotonic() < deadline, f"stream too slow; so far {frames}"
        raise AssertionError(f"stream ended early; got {frames}")

    def events(self, count: int) -> list[dict]:
        return [f for f in self.frames(events=count) if "id" in f]

    def wait_connected(self) -> None:
        # The server says ": connected" once its bus subscription is live; publishing after it is safe.
        assert self.frames(comments=1) == [{"comment": "connected"}]


def _open(client: httpx.Client, base: str, token: str | None = None, headers: dict | None = None, **params):
    return client.stream(
        "GET", f"{base}/api/events/stream", params=params, headers=(bearer(token) if token else {}) | (headers or {})
    )


def _ids(frames: list[dict]) -> list[int]:
    return [int(f["id"]) for f in frames]


def _tampered(token: str, user_id: int) -> str:
    """The same token claiming to be someone else, without a valid signature for it."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(user_id)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_stream_requires_a_valid_token(server):
    farmer, other = make_user("farmer"), make_user("farmer")
    token = token_for(farmer)
    claims = security.decode_token(token, security.SESSION_TOKEN)
    expired = security.issue_token(farmer.id, claims.session_id, security.SESSION_TOKEN, timedelta(seconds=-5))
    url = f"{server}/api/events/stream"
    with httpx.Client(timeout=TIMEOUT) as client:
        for headers, params in [
            ({}, {}),
            (bearer("not.a.jwt"), {}),
            (bearer(_tampered(token, other.id)), {}),
            (bearer(expired), {}),
            ({}, {"ticket": _tampered(token, other.id)}),
            ({}, {"ticket": token}),  # the 7-day session token is not a stream ticket
        ]:
            denied = client.get(url, headers=headers, params=params)
            assert denied.status_code == 401, (headers, params)
            assert denied.json()["error"]["code"] == "not_authenticated"
        unknown = client.get(url, params={"topics": "price,gossip"}, headers=bearer(token))
        assert unknown.status_code == 422
        ticket = client.post(f"{server}/api/events/ticket", headers=bearer(token)).json()
        assert ticket["expires_in"] <= 60
        # Single-purpose: the ticket opens a stream and is no session token anywhere else.
        assert client.get(f"{server}/api/auth/me", headers=bearer(ticket["ticket"])).status_code == 401
        with _open(client, server, ticket=ticket["ticket"]) as by_query:  # EventSource's way
            assert by_query.status_code == 200
            assert by_query.headers["content-type"].startswith("text/event-stream")
            assert by_query.headers["cache-control"] == "no-cache" and by_query.headers["x-accel-buffering"] == "no"
        client.cookies.set("kisaan_session", token)
        with _open(client, server) as by_cookie:  # the browser's session cookie
            assert by_cookie.status_code == 200


def test_only_events_addressed_to_the_reader_arrive_in_order_with_ids(server):
    org, other_org = make_org("Nashik FPO"), make_org("Pune FPO")
    reader, stranger = make_user("farmer", org_id=org), make_user("farmer", org_id=other_org)
    with httpx.Client(timeout=TIMEOUT) as client, _open(client, server, token_for(reader)) as response:
        stream = Stream(response)
        stream.wait_connected()
        publish_now(user_target(stranger.id), "weather", {"n": "not for you"})
        publish_now(org_target(other_org), "system", {"n": "not your FPO"})
        mine = [
            publish_now(user_target(reader.id), "weather", {"n": 1}),
            publish_now(org_target(org), "system", {"n": 2}),
            publish_now(ALL, "price", {"n": 3}),
        ]
        got = stream.events(3)
    # One queue, in order: had the first two been let through they would have come first.
    assert _ids(got) == [e.id for e in mine]
    assert [f["event"] for f in got] == ["weather", "system", "price"]
    assert [f["data"] for f in got] == ['{"n":1}', '{"n":2}', '{"n":3}']


def test_topic_filter(server):
    reader = make_user("farmer")
    with httpx.Client(timeout=TIMEOUT) as client:
        with _open(client, server, token_for(reader), topics="weather, notification") as response:
            stream = Stream(response)
            stream.wait_connected()
            publish_now(ALL, "price", {"n": "tick"})
            wanted = [
                publish_now(user_target(reader.id), "weather", {"n": "storm"}),
                publish_now(user_target(reader.id), "notification", {"n": "inbox"}),
            ]
            got = stream.events(2)
    assert _ids(got) == [e.id for e in wanted]


def test_last_event_id_replays_what_was_missed_then_continues_live(server, monkeypatch):
    monkeypatch.setattr(events_api, "REPLAY_PAGE", 2)  # so the replay has to page
    reader, stranger = make_user("farmer"), make_user("farmer")
    token = token_for(reader)
    seen = publish_now(user_target(reader.id), "notification", {"n": "seen"})
    missed = []
    for i in range(5):
        missed.append(publish_now(user_target(reader.id), "notification", {"n": i}))
        publish_now(user_target(stranger.id), "notification", {"n": "not yours"})
    with httpx.Client(timeout=TIMEOUT) as client:
        with _open(client, server, token, headers={"Last-Event-ID": str(seen.id)}) as response:
            stream = Stream(response)
            replayed = stream.events(5)
            live = publish_now(user_target(reader.id), "notification", {"n": "live"})
            after = stream.events(1)
        with _open(client, server, token, last_event_id=missed[2].id, topics="notification") as response:
            by_query = Stream(response).events(2)  # the query parameter does the same for EventSource polyfills
    assert _ids(replayed) == [e.id for e in missed]
    assert _ids(after) == [live.id]
    assert _ids(by_query) == [missed[3].id, missed[4].id]


def test_idle_stream_sends_heartbeats(server, monkeypatch):
    monkeypatch.setattr(events_api, "HEARTBEAT_SECONDS", 0.2)
    reader = make_user("farmer")
    with httpx.Client(timeout=TIMEOUT) as client, _open(client, server, token_for(reader)) as response:
        frames = Stream(response).frames(comments=3)
    assert frames == [{"comment": "connected"}, {"comment": "keepalive"}, {"comment": "keepalive"}]


def test_a_client_that_leaves_releases_its_subscription(server):
    reader = make_user("farmer")
    bus = get_bus()
    with httpx.Client(timeout=TIMEOUT) as client:
        with _open(client, server, token_for(reader)) as response:
            stream = Stream(response)  # kept: a reader dropped here closes the response, and the client has left
            stream.wait_connected()
            assert bus.subscriber_count() == 1
    deadline = time.monotonic() + 5
    while bus.subscriber_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bus.subscriber_count() == 0


class _StillThere:
    async def is_disconnected(self) -> bool:
        return False


def _frame_ids(frames: list[str]) -> list[int]:
    return [int(frame.split("\n")[0].removeprefix("id: ")) for frame in frames]


async def _take(frames, count: int) -> list[str]:
    got = []
    async with asyncio.timeout(5):
        while len(got) < count:
            got.append(await frames.__anext__())
    return got


@pytest.fixture
def direct_bus(db, monkeypatch):
    """A bus of our own and the stream generator driven directly: the interleavings below are certain,
    because nothing reads the subscription's queue until the test pulls the next frame."""
    bus = MemoryBus(follow_seconds=0)
    monkeypatch.setattr("kisaan_app.realtime.bus.get_bus", lambda: bus)
    monkeypatch.setattr(events_api, "get_bus", lambda: bus)
    return bus


def test_replay_and_live_events_overlap_without_duplicates(direct_bus):
    reader = make_user("farmer")
    principal = to_principal(reader)
    seen = publish_now(user_target(reader.id), "bid", {"n": "seen"})
    missed = publish_now(user_target(reader.id), "bid", {"n": "missed"})

    async def scenario():
        frames = events_api._stream(_StillThere(), principal, None, seen.id)
        assert await frames.__anext__() == ": connected\n\n"  # subscribed; the replay has not run yet
        both = publish_now(user_target(reader.id), "bid", {"n": "stored and queued"})
        got = await _take(frames, 2)  # the replay: missed, both
        live = publish_now(user_target(reader.id), "bid", {"n": "live"})
        got += await _take(frames, 1)  # `both` again from the queue would come before `live`
        await frames.aclose()
        return [missed.id, both.id, live.id], got

    expected, got = run_async(scenario())
    assert _frame_ids(got) == expected
    assert direct_bus.subscriber_count() == 0


def test_a_stream_whose_queue_overflowed_catches_up_from_the_store(direct_bus, monkeypatch):
    monkeypatch.setattr("kisaan_app.realtime.bus.QUEUE_SIZE", 2)
    reader = make_user("farmer")
    principal = to_principal(reader)

    async def scenario():
        frames = events_api._stream(_StillThere(), principal, None, 0)
        assert await frames.__anext__() == ": connected\n\n"
        published = [publish_now(user_target(reader.id), "bid", {"n": n}) for n in range(6)]
        await asyncio.sleep(0.05)  # the hand-overs run: 2 queued, 4 dropped
        got = await _take(frames, 6)
        published.append(publish_now(user_target(reader.id), "bid", {"n": "next"}))
        got += await _take(frames, 1)  # not a repeat of the second queued event
        await frames.aclose()
        return published, got

    published, got = run_async(scenario())
    assert _frame_ids(got) == [e.id for e in published]
    assert direct_bus.subscriber_count() == 0


def test_broadcast_endpoint_permissions_audit_and_delivery(server):
    org_a, org_b = make_org("FPO A"), make_org("FPO B")
    admin, fpo_admin = make_user("admin"), make_user("org_admin", org_id=org_a)
    farmer_a, farmer_b = make_user("farmer", org_id=org_a), make_user("farmer", org_id=org_b)
    url = f"{server}/api/events/broadcast"
    with httpx.Client(timeout=TIMEOUT) as client:
        assert client.post(url, json={"message": "hi"}).status_code == 401
        assert client.post(url, json={"message": "hi"}, headers=bearer(token_for(farmer_a))).status_code == 403
        fpo = bearer(token_for(fpo_admin))
        assert client.post(url, json={"message": "hi", "organization_id": org_b}, headers=fpo).status_code == 403
        boss = bearer(token_for(admin))
        for bad in ({"message": ""}, {"message": "x" * 501}, {"message": "hi", "level": "panic"}):
            assert client.post(url, json=bad, headers=boss).status_code == 422
        with (
            _open(client, server, token_for(farmer_a), topics="system") as in_a,
            _open(client, server, token_for(farmer_b), topics="system") as in_b,
        ):
            stream_a, stream_b = Stream(in_a), Stream(in_b)
            stream_a.wait_connected()
            stream_b.wait_connected()
            own_org = client.post(url, json={"message": "Meeting at 5", "level": "warning"}, headers=fpo)
            to_b = client.post(url, json={"message": "Mandi closed", "organization_id": org_b}, headers=boss)
            to_all = client.post(url, json={"message": "Rain tonight", "level": "critical"}, headers=boss)
            assert [r.status_code for r in (own_org, to_b, to_all)] == [202, 202, 202]
            got_a, got_b = stream_a.events(2), stream_b.events(2)
    ids = {name: r.json()["event_id"] for name, r in (("own", own_org), ("b", to_b), ("all", to_all))}
    assert _ids(got_a) == [ids["own"], ids["all"]] and _ids(got_b) == [ids["b"], ids["all"]]
    assert json.loads(got_a[0]["data"]) == {"message": "Meeting at 5", "level": "warning", "from": "Test Person"}
    assert json.loads(got_b[1]["data"])["level"] == "critical"
    with session_scope() as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == "realtime.broadcast").order_by(AuditLog.id)).all()
        assert [(r.actor_id, r.target_type, r.target_id) for r in rows] == [
            (fpo_admin.id, "organization", str(org_a)),
            (admin.id, "organization", str(org_b)),
            (admin.id, "all", None),
        ]


def _until_revoked(stream: Stream, timeout: float = 5.0) -> list[str]:
    """Lines until the server closes the stream (each read is bounded by the client's timeout)."""
    lines, deadline = [], time.monotonic() + timeout
    for line in stream._lines:
        lines.append(line)
        assert time.monotonic() < deadline, f"stream still open after {timeout}s: {lines}"
    return lines


@pytest.mark.parametrize("change", ["logout", "deactivate", "role"])
def test_a_revoked_session_closes_its_open_stream_within_a_heartbeat(server, monkeypatch, change):
    from kisaan_app.models.accounts import User

    monkeypatch.setattr(events_api, "HEARTBEAT_SECONDS", 0.3)
    farmer = make_user("farmer")
    token = token_for(farmer)
    with httpx.Client(timeout=TIMEOUT) as client:
        ticket = client.post(f"{server}/api/events/ticket", headers=bearer(token)).json()["ticket"]
        with _open(client, server, ticket=ticket) as response:
            stream = Stream(response)
            stream.wait_connected()
            if change == "logout":
                assert client.post(f"{server}/api/auth/logout", headers=bearer(token)).status_code in (200, 204)
            else:
                with session_scope() as session:
                    user = session.get(User, farmer.id)
                    if change == "deactivate":
                        user.is_active = False
                    else:
                        user.role = "buyer"
                    session.add(user)
            frames = _until_revoked(stream)
    assert "event: revoked" in frames  # told why, then closed (the loop above ended: the server hung up)


def test_a_logout_closes_the_stream_when_the_sign_in_event_arrives_not_at_the_heartbeat(server, monkeypatch):
    """services/sign_in_events.py puts the change on the bus; the stream re-checks at once (heartbeat 30 s here)."""
    monkeypatch.setattr(events_api, "HEARTBEAT_SECONDS", 30.0)
    farmer = make_user("farmer")
    token = token_for(farmer)
    with httpx.Client(timeout=TIMEOUT) as client:
        with _open(client, server, token, topics="system") as response:
            stream = Stream(response)
            stream.wait_connected()
            started = time.monotonic()
            assert client.post(f"{server}/api/auth/logout", headers=bearer(token)).status_code in (200, 204)
            frames = _until_revoked(stream)
    assert "event: revoked" in frames and time.monotonic() - started < 3
