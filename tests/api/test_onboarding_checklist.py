"""The farmer's getting-started checklist: each step flips as the farmer does it (SQLite and PostgreSQL)."""

import asyncio

import pytest

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.notifications import PushSubscription
from kisaan_app.services import accounts
from kisaan_app.services.accounts import onboarding, profiles
from kisaan_app.services.errors import NotFound
from kisaan_app.services.notifications import preferences
from kisaan_app.state.dashboard import DashboardState
from tests.factories import META, make_user, token_for
from tests.live_tab import Tab, run_in_app


def _steps(user_id: int) -> tuple[dict[str, bool], int]:
    with session_scope() as session:
        found = onboarding.checklist(session, user_id)
    return {s.key: s.done for s in found.steps}, found.done_count


def test_each_step_flips_as_the_farmer_completes_it(db):
    farmer = make_user("farmer", name="Sunita Pawar")  # signed up in English, no district yet
    principal = accounts.to_principal(farmer)
    done, count = _steps(farmer.id)
    assert done == {"profile": False, "crops": False, "language": False, "notifications": False} and count == 0

    with session_scope() as session:
        profiles.update_profile(session, principal, {"village": "Pimpalgaon"}, META)
    assert _steps(farmer.id) == ({"profile": True, "crops": False, "language": False, "notifications": False}, 1)

    with session_scope() as session:
        profiles.update_profile(session, principal, {"crops": ["Onion"]}, META)
    assert _steps(farmer.id)[0]["crops"] is True

    # English is the default nobody chose: it counts once the farmer saves it on their profile.
    with session_scope() as session:
        profiles.update_profile(session, principal, {"preferred_language": "en"}, META)
    assert _steps(farmer.id)[0]["language"] is True

    with session_scope() as session:
        preferences.save_preferences(
            session, principal, channels={"weather": ["in_app", "sms"]}, quiet_start=None, quiet_end=None
        )
    with session_scope() as session:
        found = onboarding.checklist(session, farmer.id)
    assert found.complete and found.done_count == found.total == 4
    assert {s.key: s.href for s in found.steps} == {
        "profile": "/profile",
        "crops": "/profile",
        "language": "/profile",
        "notifications": "/settings/notifications",
    }


def test_other_ways_a_step_counts_and_what_undoes_it(db):
    farmer = make_user("farmer", district="Nashik")
    with session_scope() as session:
        user = session.get(User, farmer.id)
        user.preferred_language = "mr"  # chosen at sign-up or by the FPO's import
        session.add(user)
        session.add(PushSubscription(user_id=farmer.id, endpoint="https://push.example/x", p256dh="k", auth="a"))
    done, count = _steps(farmer.id)
    assert done == {"profile": True, "crops": False, "language": True, "notifications": True} and count == 3

    with session_scope() as session:  # crops cleared again: the step is undone, as the profile now says
        profiles.update_profile(session, accounts.to_principal(farmer), {"crops": ["Onion"]}, META)
        profiles.update_profile(session, accounts.to_principal(farmer), {"crops": []}, META)
    assert _steps(farmer.id)[0]["crops"] is False

    # Reading it writes nothing: the session has nothing to flush afterwards.
    with session_scope() as session:
        onboarding.checklist(session, farmer.id)
        assert not session.dirty and not session.new and not session.deleted


def test_a_stranger_id_is_not_found(db):
    with session_scope() as session, pytest.raises(NotFound):
        onboarding.checklist(session, 987654)


def test_the_dashboard_card_counts_in_the_readers_language_and_goes_when_all_are_done(db):
    farmer = make_user("farmer", district="Nashik")

    async def open_in(lang: str):
        tab = Tab(await asyncio.to_thread(token_for, farmer))
        (await tab.state(DashboardState)).lang = lang
        return await tab.open(DashboardState)

    hindi = run_in_app(open_in("hi"))
    assert hindi.onboarding_title == "शुरुआत करें: 4 में से 1 पूरे" and hindi.onboarding_percent == 25
    assert [(s.key, s.href) for s in hindi.onboarding_todo] == [
        ("crops", "/profile"),
        ("language", "/profile"),
        ("notifications", "/settings/notifications"),
    ]

    principal = accounts.to_principal(farmer)
    with session_scope() as session:
        profiles.update_profile(session, principal, {"crops": ["Onion"], "preferred_language": "hi"}, META)
        preferences.save_preferences(session, principal, channels={}, quiet_start=None, quiet_end=None)
    done = run_in_app(open_in("hi"))
    assert done.onboarding_title == "" and done.onboarding_todo == [] and done.onboarding_percent == 100
