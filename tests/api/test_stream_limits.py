"""SSE limits per account (issue 11): streams open at once and stream opens per minute, refused with 429,
Retry-After and the one error shape; a stream that ends gives its place back. Against a real server (test_sse)."""

import time

import httpx

import tests.api.test_sse as sse
from kisaan_app.settings import get_settings
from tests.factories import make_user, token_for

server = sse.server  # the uvicorn fixture: Starlette's TestClient cannot hold an endless stream open


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1
    error = response.json()["error"]
    assert set(error) == {"code", "message", "field", "details"} and error["code"] == "rate_limited"


def test_one_account_holds_only_so_many_streams_at_once(server, monkeypatch):
    monkeypatch.setattr(get_settings(), "sse_max_streams_per_user", 2)
    token, other = token_for(make_user("farmer")), token_for(make_user("buyer"))
    with httpx.Client(timeout=sse.TIMEOUT) as client:
        with sse._open(client, server, token) as first, sse._open(client, server, token) as second:
            readers = [sse.Stream(first), sse.Stream(second)]  # kept: a dropped reader closes its response
            for reader in readers:
                assert reader.response.status_code == 200
                reader.wait_connected()
            third = client.get(f"{server}/api/events/stream", headers=sse.bearer(token))
            _refused(third)
            with sse._open(client, server, other) as theirs:  # another account is not affected
                assert theirs.status_code == 200
        # Both streams are closed: the server notices and gives their places back.
        deadline = time.monotonic() + 10
        while True:
            with sse._open(client, server, token) as again:
                if again.status_code == 200:
                    break
                assert again.status_code == 429 and time.monotonic() < deadline, "a closed stream kept its place"
            time.sleep(0.1)


def test_stream_opens_are_limited_per_minute_even_when_closed_at_once(server, monkeypatch):
    monkeypatch.setattr(get_settings(), "sse_connect_rate_per_user", "2/minute")
    token = token_for(make_user("farmer"))
    with httpx.Client(timeout=sse.TIMEOUT) as client:
        for _ in range(2):
            with sse._open(client, server, token) as stream:
                assert stream.status_code == 200
        _refused(client.get(f"{server}/api/events/stream", headers=sse.bearer(token)))
        ticket = client.post(f"{server}/api/events/ticket", headers=sse.bearer(token)).json()["ticket"]
        _refused(client.get(f"{server}/api/events/stream", params={"ticket": ticket}))  # a ticket is no way round
