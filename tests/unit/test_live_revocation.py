"""A revoked session stops at once everywhere (issue 11): open Reflex tabs of that session stop getting live
data and are sent to the login page, through the bus and the hub like any live event. Real database, real
bus, real Reflex states; only the browser is left out (tests/e2e/test_accounts_journey.py has it)."""

import asyncio

import pytest
from reflex.event import Event as BrowserEvent

from kisaan_app.db import session_scope
from kisaan_app.realtime import user_target
from kisaan_app.realtime.hub import Hub
from kisaan_app.realtime.registry import registry
from kisaan_app.services import accounts, sign_in_events
from kisaan_app.services.context import RequestMeta
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.session import SessionState
from tests.factories import META, PASSWORD, make_org, make_user, token_for
from tests.live_tab import Capture, Tab, forget_all_tabs, run_in_app


@pytest.fixture(autouse=True)
def _no_tabs_from_other_tests():
    forget_all_tabs()
    yield
    forget_all_tabs()


async def _open_tab(token: str, path: str = "/dashboard") -> Tab:
    tab = Tab(token, path)
    await tab.open(DashboardState)  # authorises: the tab is registered for its person's live events
    assert registry.get(tab.token) is not None
    return tab


def _went_to_login(tab: Tab) -> bool:
    scripts = [e.payload.get("javascript_code", "") for e in BrowserEvent.from_event_type(tab.browser_events)]
    return any('window.location.replace("/login?next=/dashboard")' in s for s in scripts)


async def _signed_out(tab: Tab) -> bool:
    header = await tab.state(SessionState)
    return header.user_id == 0 and registry.get(tab.token) is None and _went_to_login(tab)


def test_a_logout_reaches_the_hub_and_ends_only_that_sessions_tabs(db):
    farmer = make_user("farmer", district="Nashik")
    phone_token, laptop_token = token_for(farmer), token_for(farmer)  # two sign-ins

    async def scenario():
        phone, phone_2, laptop = (
            await _open_tab(phone_token),
            await _open_tab(phone_token),
            await _open_tab(laptop_token),
        )
        tabs = {t.token: t for t in (phone, phone_2, laptop)}

        async def apply(token, events):
            await tabs[token].apply(events)

        hub = Hub(apply, registry)
        runner = asyncio.create_task(hub.run())
        await asyncio.sleep(0.05)
        with session_scope() as session:
            principal = accounts.principal_for_token(session, phone_token)
            await asyncio.to_thread(accounts.logout, session, principal, META)
        for _ in range(200):
            if phone.browser_events and phone_2.browser_events:
                break
            await asyncio.sleep(0.02)
        runner.cancel()
        assert await _signed_out(phone) and await _signed_out(phone_2)
        laptop_header = await laptop.state(SessionState)
        assert laptop_header.user_id == farmer.id and laptop.browser_events == []
        assert registry.get(laptop.token) is not None
        # The phone's tabs get nothing more: the hub no longer routes the person's events there.
        assert set(registry.tokens_for(user_target(farmer.id))) == {laptop.token}

    run_in_app(scenario())


def _change_password_elsewhere(farmer, other_token):
    with session_scope() as session:
        principal = accounts.principal_for_token(session, other_token)
        accounts.change_password(session, principal, PASSWORD, "a-new-secret-2026", META)


def _deactivate(farmer, _other_token):
    admin = make_user("admin")
    with session_scope() as session:
        accounts.set_active(session, accounts.to_principal(admin), farmer.id, False, META)


def _make_buyer(farmer, _other_token):
    admin = make_user("admin")
    with session_scope() as session:
        accounts.change_role(session, accounts.to_principal(admin), farmer.id, "buyer", META)


def _move_to_an_fpo(farmer, _other_token):
    admin, org = make_user("admin"), make_org("Niphad FPO")
    with session_scope() as session:
        accounts.set_organization(session, accounts.to_principal(admin), farmer.id, org, META)


@pytest.mark.parametrize(
    ("change", "reason", "other_tab_stays"),
    [
        (_change_password_elsewhere, sign_in_events.PASSWORD_CHANGED, True),
        (_deactivate, sign_in_events.DEACTIVATED, False),
        (_make_buyer, sign_in_events.ROLE_CHANGED, False),
        (_move_to_an_fpo, sign_in_events.ORGANIZATION_CHANGED, False),
    ],
)
def test_every_kind_of_sign_in_change_ends_the_tabs_it_affects(db, change, reason, other_tab_stays):
    farmer = make_user("farmer", district="Nashik")
    token, other_token = token_for(farmer), token_for(farmer)

    async def scenario():
        tab, other = await _open_tab(token), await _open_tab(other_token)
        capture = Capture()
        await capture.run(lambda: change(farmer, other_token))
        events = capture.for_user(farmer)
        assert [(e.topic, e.data.reason) for e in events if e.topic == "session"] == [("session", reason)]
        await tab.apply(events)
        await other.apply(events)
        assert await _signed_out(tab)
        if other_tab_stays:  # the session that changed the password is still good
            assert (await other.state(SessionState)).user_id == farmer.id and other.browser_events == []
        else:
            assert await _signed_out(other)

    run_in_app(scenario())


def test_an_unchanged_sign_in_ignores_the_event_and_a_new_account_placed_in_an_fpo_makes_none(db):
    farmer = make_user("farmer", district="Nashik", org_id=make_org("Nashik FPO"))  # no session yet: no event
    with session_scope() as session:
        from sqlmodel import select

        from kisaan_app.models.realtime import RealTimeEvent

        assert session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == "session")).all() == []
    token = token_for(farmer)

    async def scenario():
        tab = await _open_tab(token)
        capture = Capture()
        other = token_for(farmer)
        # Someone else's sign-out on the same account (another device) does not touch this tab.
        await capture.run(lambda: _logout(other))
        await tab.apply(capture.for_user(farmer))
        assert (await tab.state(SessionState)).user_id == farmer.id and tab.browser_events == []

    run_in_app(scenario())


def _logout(token: str) -> None:
    with session_scope() as session:
        principal = accounts.principal_for_token(session, token)
        accounts.logout(session, principal, RequestMeta(ip="10.0.0.2"))
