"""Typed payloads: one per topic, the publisher builds it, the reader parses it, a bad one is skipped."""

import ast
import asyncio
import logging
from pathlib import Path

from kisaan_app.realtime import ALL, Event, parse, user_target
from kisaan_app.realtime.events import TOPICS
from kisaan_app.realtime.hub import Hub
from kisaan_app.realtime.payloads import PAYLOAD_TYPES, CampaignUpdate, PriceTick, SystemMessage, WeatherUpdate
from kisaan_app.realtime.registry import ClientInfo, ClientRegistry
from tests.unit.test_live_delivery import Recorder

SERVICES = Path(__file__).resolve().parents[2] / "kisaan_app" / "services"


def test_every_topic_has_one_payload_type():
    assert set(TOPICS) == set(PAYLOAD_TYPES)
    assert all(PAYLOAD_TYPES[t].topic == t for t in TOPICS)


def test_a_payload_round_trips_through_its_wire_form():
    message = SystemMessage(message="Mandi closed", level="warning", sender="FPO office")
    assert message.to_dict() == {"message": "Mandi closed", "level": "warning", "from": "FPO office"}
    assert parse(Event(ALL, "system", message.to_dict())).data == message
    progress = CampaignUpdate(campaign_id=4, total=3, pending=1, sent=2, delivered=0, failed=0, done=False)
    assert CampaignUpdate.from_dict(progress.to_dict() | {"added_later": 1}) == progress  # unknown keys pass


def test_a_payload_that_does_not_fit_is_refused(caplog):
    bad = [
        Event(ALL, "price", {"commodity": "Onion", "market": "Lasalgaon", "modal_paise": "lots"}),
        Event(ALL, "price", {"commodity": "Onion", "market": "Lasalgaon", "modal_paise": True}),
        Event(user_target(1), "weather", {"title": "no id"}),
        Event(user_target(1), "weather", ["not", "an", "object"]),
        Event(ALL, "system", {"message": None}),
    ]
    with caplog.at_level(logging.WARNING):
        assert [parse(e) for e in bad] == [None] * len(bad)
    assert "modal_paise" in caplog.text and "'id' is missing" in caplog.text
    good = parse(Event(user_target(1), "weather", WeatherUpdate(id=7, cancelled=True).to_dict()))
    assert good is not None and good.data == WeatherUpdate(id=7, cancelled=True)


def test_the_hub_skips_a_bad_payload_and_goes_on_delivering(db):
    """A malformed event on the bus (an old process, a hand-made message) never stops live delivery."""
    from kisaan_app.db import session_scope
    from kisaan_app.realtime import publish_on_commit, send_on_commit
    from kisaan_app.realtime.bus import reset_bus
    from tests.asyncio_thread import run_async

    reset_bus()
    clients = ClientRegistry()
    clients.register(ClientInfo("tok-1", 1, None, "farmer"))
    recorder = Recorder()
    hub = Hub(recorder, clients)

    async def scenario():
        runner = asyncio.create_task(hub.run())
        await asyncio.sleep(0.05)
        with session_scope() as session:
            publish_on_commit(session, user_target(1), "weather", {"no": "id"})  # the raw transport takes anything
            send_on_commit(session, user_target(1), WeatherUpdate(id=3, cancelled=True))
        for _ in range(100):
            if recorder.calls:
                break
            await asyncio.sleep(0.02)
        runner.cancel()

    run_async(scenario())
    assert [(token, [e.data for e in events]) for token, events in recorder.calls] == [
        ("tok-1", [WeatherUpdate(id=3, cancelled=True)])
    ]
    assert hub.stats.malformed == 1


def test_price_ticks_keep_two_hours_and_others_a_day():
    assert PriceTick.ttl.total_seconds() == 2 * 3600 and SystemMessage.ttl.total_seconds() == 24 * 3600


def test_services_publish_only_typed_payloads():
    """`publish_on_commit` / `publish_now` are the shape-blind transport; services send typed payloads."""
    offenders = []
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("publish_on_commit", "publish_now"):
                    offenders.append(f"{path.relative_to(SERVICES)}:{node.lineno}")
    assert offenders == []
