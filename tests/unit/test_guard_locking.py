"""A background handler looks the session up before it locks its tab's state.

Reflex holds a tab's state lock for a whole normal event, and in Redis mode that lock expires after 10 s: a crowd
of dashboards queued for the database lost their states that way (bench/fanout.py, Redis mode: 263 of 500 tabs
never got a live price). So `guarded(background=True)` does the database half of the guard (`_check_access`)
unlocked and only the state half (`_admit`, the form checks, the body's writes) under `async with self`.
"""

import contextvars

from kisaan_app.state.guard import guarded
from tests.asyncio_thread import run_async


class FakeTab:
    """What the guard touches on a state, recording the order of lookups and locks."""

    guard_roles = ()

    def __init__(self, allowed: bool = True) -> None:
        self.calls: list[str] = []
        self.locked = False
        self.allowed = allowed

    async def _check_access(self, *roles):
        self.calls.append(f"lookup locked={self.locked}")
        return "ramesh", self.allowed, 0

    def _admit(self, principal, allowed, unread):
        self.calls.append(f"admit locked={self.locked}")
        return (principal, None) if allowed else (None, ["to the login page"])

    async def __aenter__(self):
        self.locked = True
        return self

    async def __aexit__(self, *exc):
        self.locked = False


@guarded(error=None, background=True)
async def show_dashboard(self, principal):
    self.calls.append(f"body for {principal} locked={self.locked}")


def _run(tab: FakeTab):
    return run_async(getattr(show_dashboard, "fn", show_dashboard)(tab), context=contextvars.copy_context())


def test_the_session_lookup_runs_unlocked_and_only_the_state_half_under_the_lock():
    tab = FakeTab()
    _run(tab)
    assert tab.calls == ["lookup locked=False", "admit locked=True", "body for ramesh locked=False"]


def test_a_refused_tab_is_answered_under_the_lock_and_the_body_never_runs():
    tab = FakeTab(allowed=False)
    assert _run(tab) == ["to the login page"]
    assert tab.calls == ["lookup locked=False", "admit locked=True"]
