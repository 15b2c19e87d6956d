"""The web process's side of live updates: who gets which event, price coalescing, connection rows, inbox."""

import asyncio
from datetime import timedelta

import pytest

from kisaan_app.db import session_scope
from kisaan_app.models.realtime import RealTimeEvent, WebSocketConnection
from kisaan_app.realtime import ALL, Event, org_target, user_target
from kisaan_app.realtime.hub import Hub
from kisaan_app.realtime.registry import ClientInfo, ClientRegistry
from kisaan_app.services import accounts, broadcasts, connections, inbox
from kisaan_app.services.errors import PermissionDenied, ValidationFailed
from tests.asyncio_thread import run_async
from tests.factories import META, make_org, make_user


def _registry() -> ClientRegistry:
    reg = ClientRegistry()
    reg.register(ClientInfo("tok-ramesh", 1, 10, "farmer"))
    reg.register(ClientInfo("tok-ramesh-2", 1, 10, "farmer"))  # a second tab
    reg.register(ClientInfo("tok-savita", 2, 20, "farmer"))
    reg.register(ClientInfo("tok-admin", 3, None, "admin"))
    return reg


def test_registry_routes_user_org_and_all_targets():
    reg = _registry()
    assert sorted(reg.tokens_for(user_target(1))) == ["tok-ramesh", "tok-ramesh-2"]
    assert reg.tokens_for(org_target(20)) == ["tok-savita"]
    assert len(reg.tokens_for(ALL)) == 4
    assert reg.tokens_for(user_target(99)) == []
    # The tab changes hands (logout, another person logs in): the old address no longer reaches it.
    reg.register(ClientInfo("tok-ramesh-2", 2, 20, "farmer"))
    assert reg.tokens_for(user_target(1)) == ["tok-ramesh"]
    assert sorted(reg.tokens_for(org_target(20))) == ["tok-ramesh-2", "tok-savita"]
    reg.unregister("tok-ramesh")
    assert reg.tokens_for(user_target(1)) == [] and reg.tokens_for(org_target(10)) == []


class Recorder:
    def __init__(self, fail_for: str | None = None) -> None:
        self.calls: list[tuple[str, list[Event]]] = []
        self.fail_for = fail_for

    async def __call__(self, token: str, events: list[Event]) -> None:
        if token == self.fail_for:
            raise RuntimeError("state gone")
        self.calls.append((token, events))


def _price(commodity: str, market: str, modal: int) -> Event:
    return Event(ALL, "price", {"commodity": commodity, "market": market, "variety": "Red", "modal_paise": modal})


def test_hub_delivers_addressed_events_and_survives_a_broken_client():
    recorder = Recorder(fail_for="tok-ramesh-2")
    hub = Hub(recorder, _registry())
    run_async(
        hub._deliver(hub._tokens_for(Event(user_target(1), "weather", {})), [Event(user_target(1), "weather", {})])
    )
    assert [token for token, _ in recorder.calls] == ["tok-ramesh"]
    assert hub.stats.delivered == 1 and hub.stats.failed == 1


def test_hub_coalesces_price_ticks_to_the_latest_per_series_and_only_for_farmers_and_buyers():
    recorder = Recorder()
    hub = Hub(recorder, _registry())
    for modal in (200000, 201000, 202000):  # three ticks of one series inside one window
        hub._prices[("Onion", "Lasalgaon", "Red")] = _price("Onion", "Lasalgaon", modal)
    hub._prices[("Wheat", "Indore", "Red")] = _price("Wheat", "Indore", 250000)
    run_async(hub.flush_prices())
    tokens = sorted(token for token, _ in recorder.calls)
    assert tokens == ["tok-ramesh", "tok-ramesh-2", "tok-savita"]  # not the admin
    batch = recorder.calls[0][1]
    assert sorted((e.payload["commodity"], e.payload["modal_paise"]) for e in batch) == [
        ("Onion", 202000),
        ("Wheat", 250000),
    ]
    recorder.calls.clear()
    run_async(hub.flush_prices())  # nothing new: nothing sent
    assert recorder.calls == []


def test_hub_run_applies_bus_events_end_to_end(db):
    """publish_on_commit → bus → hub → the applier, for the addressed clients only."""
    from kisaan_app.realtime import publish_on_commit
    from kisaan_app.realtime.bus import reset_bus

    reset_bus()
    recorder = Recorder()
    hub = Hub(recorder, _registry())

    async def scenario():
        runner = asyncio.create_task(hub.run())
        await asyncio.sleep(0.05)
        with session_scope() as session:
            publish_on_commit(session, org_target(20), "system", {"message": "hello"})
        for _ in range(100):
            if recorder.calls:
                break
            await asyncio.sleep(0.02)
        runner.cancel()

    run_async(scenario())
    assert [(t, e[0].payload["message"]) for t, e in recorder.calls] == [("tok-savita", "hello")]


def test_connection_rows_follow_connect_heartbeat_disconnect_and_sweep(db):
    farmer, admin = make_user("farmer"), make_user("admin")
    with session_scope() as session:
        principal = accounts.to_principal(session.get(type(farmer), farmer.id), "sid")
        connections.connect(session, "tok-1", principal, META)
        connections.connect(session, "tok-2", principal, META)
    with session_scope() as session:
        assert connections.live_counts(session, accounts.to_principal(admin)).total == 2
        connections.disconnect(session, ["tok-2"])
        # tok-1's process stops heartbeating: stale after two missed beats, gone later.
        later = connections.utcnow() + connections.STALE_AFTER + timedelta(seconds=1)
        assert connections.sweep(session, now=later) == (1, 0)
    with session_scope() as session:
        statuses = {r.client_token: r.status for r in session.exec(_all(WebSocketConnection)).all()}
        assert statuses == {"tok-1": "stale", "tok-2": "closed"}
        much_later = connections.utcnow() + connections.REMOVE_STALE_AFTER + timedelta(minutes=1)
        assert connections.sweep(session, now=much_later) == (0, 2)


def _all(model):
    from sqlmodel import select

    return select(model)


def test_live_counts_are_scoped_for_an_org_admin(db):
    org_a, org_b = make_org("FPO A"), make_org("FPO B")
    farmers = [make_user("farmer", org_id=org) for org in (org_a, org_a, org_b)]
    fpo_admin = make_user("org_admin", org_id=org_a)
    with session_scope() as session:
        for i, user in enumerate(farmers):
            connections.connect(session, f"t{i}", accounts.to_principal(user), META)
    with session_scope() as session:
        counts = connections.live_counts(session, accounts.to_principal(fpo_admin))
        assert counts.total == 2 and counts.by_organization == [("FPO A", 2)]


def test_inbox_add_count_and_mark_read_publish_events(db):
    farmer = make_user("farmer")
    with session_scope() as session:
        first = inbox.add(session, farmer.id, category="weather", title="Red alert", body="Heavy rain", critical=True)
        inbox.add(session, farmer.id, category="system", title="Hello", body="Welcome")
    with session_scope() as session:
        assert inbox.unread_count(session, farmer.id) == 2
        items = inbox.recent(session, farmer.id)
        assert [i.title for i in items] == ["Hello", "Red alert"] and items[1].critical
        principal = accounts.to_principal(farmer)
        assert inbox.mark_read(session, principal, first.id) == 1
        assert inbox.mark_read(session, principal, first.id) == 0  # already read
    with session_scope() as session:
        assert inbox.unread_count(session, farmer.id) == 1
        events = session.exec(_all(RealTimeEvent)).all()
        assert [e.topic for e in events] == ["notification"] * 3
        assert {e.target for e in events} == {user_target(farmer.id)}


def test_broadcast_rules_and_audit(db):
    org_a, org_b = make_org("FPO A"), make_org("FPO B")
    admin, fpo_admin, farmer = make_user("admin"), make_user("org_admin", org_id=org_a), make_user("farmer")
    with session_scope() as session:
        as_ = {u.id: accounts.to_principal(u) for u in (admin, fpo_admin, farmer)}
        everyone = broadcasts.send_broadcast(session, as_[admin.id], META, "Maintenance at 10 pm")
        own_org = broadcasts.send_broadcast(session, as_[fpo_admin.id], META, "Meeting tomorrow", level="warning")
        with pytest.raises(PermissionDenied):
            broadcasts.send_broadcast(session, as_[fpo_admin.id], META, "Hi", organization_id=org_b)
        with pytest.raises(PermissionDenied):
            broadcasts.send_broadcast(session, as_[farmer.id], META, "Hi")
        with pytest.raises(ValidationFailed):
            broadcasts.send_broadcast(session, as_[admin.id], META, "   ")
        with pytest.raises(ValidationFailed):
            broadcasts.send_broadcast(session, as_[admin.id], META, "Hi", level="shout")
    assert everyone.target == ALL and own_org.target == org_target(org_a)
    from kisaan_app.models.audit import AuditLog

    with session_scope() as session:
        actions = [a.action for a in session.exec(_all(AuditLog)).all() if a.action == "realtime.broadcast"]
        assert len(actions) == 2


def test_a_quiet_series_tick_goes_out_at_once_and_a_burst_is_held_to_its_latest():
    recorder = Recorder()
    hub = Hub(recorder, _registry())

    async def scenario():
        hub.hold_price(_price("Onion", "Lasalgaon", 200000))
        await hub.flush_prices()  # quiet series: at once
        sent_at_once = len(recorder.calls)
        hub.hold_price(_price("Onion", "Lasalgaon", 201000))  # same window: held
        hub.hold_price(_price("Onion", "Lasalgaon", 202000))  # replaces the held one
        wait = await hub.flush_prices()
        held = len(recorder.calls)
        await asyncio.sleep(wait)
        await hub.flush_prices()  # the window is over: the newest goes out
        return sent_at_once, held, wait

    sent_at_once, held, wait = run_async(scenario())
    assert sent_at_once == 3 and held == 3  # three farmer/buyer tabs, once each
    assert 0 < wait <= 0.5
    latest = [events for token, events in recorder.calls if token == "tok-savita"]
    assert [[e.payload["modal_paise"] for e in batch] for batch in latest] == [[200000], [202000]]


def test_ticks_arriving_during_a_slow_delivery_skip_to_the_newest_price_and_none_is_lost():
    """A round of deliveries that takes longer than the ticks' spacing (Redis round-trips, a crowd of tabs)
    must not queue stale ticks behind it: the next round carries the newest price of each series."""

    class SlowTabs(Recorder):
        async def __call__(self, token, events):
            await asyncio.sleep(0.05)  # 3 tabs: a round takes 0.15 s, the feed ticks every 0.02 s
            await super().__call__(token, events)

    recorder = SlowTabs()
    hub = Hub(recorder, _registry())

    async def scenario():
        pump = asyncio.create_task(hub._deliver_prices_forever())
        for modal in range(200000, 200040):  # 40 ticks of one series, 0.8 s of feed
            hub.hold_price(_price("Onion", "Lasalgaon", modal))
            hub.hold_price(_price("Wheat", "Indore", modal + 1))  # a second series, interleaved
            await asyncio.sleep(0.02)
        for _ in range(100):  # bounded: the pump empties the held ticks within a couple of windows
            if not hub._prices and not hub._prices_waiting.is_set():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        pump.cancel()

    run_async(scenario())
    rounds = [[(e.payload["commodity"], e.payload["modal_paise"]) for e in events] for t, events in recorder.calls]
    savita = [r for (token, _), r in zip(recorder.calls, rounds, strict=True) if token == "tok-savita"]
    assert len(savita) < 10  # coalesced: far fewer rounds than the 40 ticks of each series
    newest = {c: m for r in savita for c, m in r}
    assert newest == {"Onion": 200039, "Wheat": 200040}  # every series' newest price reached the tab
    for tab in ("tok-ramesh", "tok-ramesh-2", "tok-savita"):  # each tab saw the prices only move forward
        seen = [
            m
            for (token, _), r in zip(recorder.calls, rounds, strict=True)
            if token == tab
            for c, m in r
            if c == "Onion"
        ]
        assert seen == sorted(seen) and seen[-1] == 200039


def test_a_tab_recorded_by_two_events_at_once_keeps_one_row(db):
    """A new tab's page load and a background handler's access check record it at the same moment: the one that
    loses the insert race refreshes the winner's row (before, it failed with a unique-constraint error and the
    farmer's dashboard never loaded)."""
    from sqlalchemy import event

    farmer = make_user("farmer")
    principal = accounts.to_principal(farmer)
    with session_scope() as session:
        raced = []

        @event.listens_for(session, "before_flush")
        def _the_other_event_wins(sess, *_):
            if not raced:  # after this session looked and found no row, before it inserts its own
                raced.append(True)
                with session_scope() as other:
                    connections.connect(other, "tok-race", principal, META)

        row = connections.connect(session, "tok-race", principal, META)
        assert raced and row.client_token == "tok-race" and row.user_id == farmer.id
    with session_scope() as session:
        rows = session.exec(_all(WebSocketConnection)).all()
        assert [r.client_token for r in rows] == ["tok-race"]
