"""The SSE stream against a real HTTP server: auth, scoping, topics, Last-Event-ID replay, heartbeats,
and the broadcast endpoint's permissions."""

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from kisaan_app.api import events as events_api
from kisaan_app.realtime import ALL, org_target, publish_now, user_target
from kisaan_app.realtime.bus import reset_bus
from tests.factories import bearer, make_org, make_user, token_for


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
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _read(response, wanted: int, timeout: float = 5.0) -> list[dict]:
    """Parse SSE frames until `wanted` events arrived (comments are kept as {"comment": ...})."""
    if not hasattr(response, "kisaan_lines"):
        response.kisaan_lines = response.iter_lines()  # one iterator per response: reads continue where they left
    frames, current = [], {}
    deadline = time.monotonic() + timeout
    for line in response.kisaan_lines:
        if line.startswith(":"):
            frames.append({"comment": line[1:].strip()})
        elif line == "":
            if current:
                frames.append(current)
                current = {}
        else:
            key, _, value = line.partition(": ")
            current[key] = value
        if sum(1 for f in frames if "id" in f) >= wanted or time.monotonic() > deadline:
            break
    return frames


def _events(frames):
    return [f for f in frames if "id" in f]


def _open(client, base, token=None, **params):
    headers = bearer(token) if token else {}
    return client.stream("GET", f"{base}/api/events/stream", params=params, headers=headers)


def _wait_subscribed():
    time.sleep(0.3)  # the stream subscribes as it starts; give the server a moment before publishing


def test_stream_requires_a_valid_token(server):
    with httpx.Client(timeout=5) as client:
        assert client.get(f"{server}/api/events/stream").status_code == 401
        bad = client.get(f"{server}/api/events/stream", headers=bearer("not.a.jwt"))
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "not_authenticated"
        farmer = make_user("farmer")
        assert client.get(f"{server}/api/events/stream", params={"topics": "gossip"},
                          headers=bearer(token_for(farmer))).status_code == 422  # fmt: skip


def test_only_events_addressed_to_the_reader_arrive_in_order_with_ids(server):
    org, other_org = make_org("Nashik FPO"), make_org("Pune FPO")
    reader, stranger = make_user("farmer", org_id=org), make_user("farmer", org_id=other_org)
    token = token_for(reader)
    with httpx.Client(timeout=5) as client, _open(client, server, access_token=token) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        _wait_subscribed()
        publish_now(user_target(stranger.id), "weather", {"n": "not for you"})
        publish_now(org_target(other_org), "system", {"n": "not your FPO"})
        mine = [
            publish_now(user_target(reader.id), "weather", {"n": 1}),
            publish_now(org_target(org), "system", {"n": 2}),
            publish_now(ALL, "price", {"n": 3}),
        ]
        got = _events(_read(response, 3))
    assert [int(f["id"]) for f in got] == [e.id for e in mine]
    assert [f["event"] for f in got] == ["weather", "system", "price"]
    assert [f["data"] for f in got] == ['{"n":1}', '{"n":2}', '{"n":3}']


def test_topic_filter(server):
    reader = make_user("farmer")
    with httpx.Client(timeout=5) as client:
        with _open(client, server, token_for(reader), topics="weather") as response:
            _wait_subscribed()
            publish_now(ALL, "price", {"n": "tick"})
            wanted = publish_now(user_target(reader.id), "weather", {"n": "storm"})
            got = _events(_read(response, 1))
    assert [int(f["id"]) for f in got] == [wanted.id]


def test_last_event_id_replays_what_was_missed_then_continues_live(server):
    reader = make_user("farmer")
    token = token_for(reader)
    seen = publish_now(user_target(reader.id), "notification", {"n": "seen"})
    missed = [publish_now(user_target(reader.id), "notification", {"n": i}) for i in range(3)]
    with httpx.Client(timeout=5) as client:
        headers = bearer(token) | {"Last-Event-ID": str(seen.id)}
        with client.stream("GET", f"{server}/api/events/stream", headers=headers) as response:
            replayed = _events(_read(response, 3))
            live = publish_now(user_target(reader.id), "notification", {"n": "live"})
            after = _events(_read(response, 1))
    assert [int(f["id"]) for f in replayed] == [e.id for e in missed]
    assert [int(f["id"]) for f in after] == [live.id]


def test_idle_stream_sends_heartbeats(server, monkeypatch):
    monkeypatch.setattr(events_api, "HEARTBEAT_SECONDS", 0.2)
    reader = make_user("farmer")
    with httpx.Client(timeout=5) as client, _open(client, server, token_for(reader)) as response:
        frames = []
        for line in response.iter_lines():
            frames.append(line)
            if frames.count(": keepalive") >= 2:
                break
    assert frames[0] == ": connected" and frames.count(": keepalive") == 2


def test_broadcast_endpoint_permissions_and_delivery(server):
    org_a, org_b = make_org("FPO A"), make_org("FPO B")
    admin, fpo_admin = make_user("admin"), make_user("org_admin", org_id=org_a)
    farmer_a = make_user("farmer", org_id=org_a)
    with httpx.Client(timeout=5) as client:
        url = f"{server}/api/events/broadcast"
        assert client.post(url, json={"message": "hi"}, headers=bearer(token_for(farmer_a))).status_code == 403
        denied = client.post(url, json={"message": "hi", "organization_id": org_b},
                             headers=bearer(token_for(fpo_admin)))  # fmt: skip
        assert denied.status_code == 403
        assert client.post(url, json={"message": ""}, headers=bearer(token_for(admin))).status_code == 422
        with _open(client, server, token_for(farmer_a), topics="system") as response:
            _wait_subscribed()
            sent = client.post(url, json={"message": "Meeting at 5", "level": "warning"},
                               headers=bearer(token_for(fpo_admin)))  # fmt: skip
            assert sent.status_code == 202
            got = _events(_read(response, 1))
    assert int(got[0]["id"]) == sent.json()["event_id"] and "Meeting at 5" in got[0]["data"]
