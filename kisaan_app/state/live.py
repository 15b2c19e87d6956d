"""How a live event reaches a tab's screen: each live state declares what it takes, this module only routes.

A live state says which topics it applies, optionally for which roles, and how:

    class DashboardState(SessionState):
        live_topics: ClassVar[tuple[str, ...]] = ("price", "weather")
        live_roles: ClassVar[tuple[str, ...]] = (Role.FARMER,)  # optional: other tabs never load this state

        async def _apply_live(self, events: list[LiveEvent]) -> list | None:
            ...  # fold the typed payloads in, or reload from the database; may return browser events

The states are found by walking the state tree for that declaration (on the class itself, not inherited), so
adding a live state touches no list here. Everything an event changes can also be rebuilt by the page's
on_load: a tab that missed events, or whose state the server lost, never shows stale data after reconnecting.
The verify_action tests (tests/unit/test_live_states.py) hold each state to that: a fresh load after an action
equals the state before it plus the events the action sent.
"""

import functools
import inspect
from collections.abc import Sequence

import reflex as rx
from reflex.event import Event as BrowserEvent
from reflex.state import StateUpdate

from kisaan_app.realtime.events import TOPICS, Event, LiveEvent, parse
from kisaan_app.state.session import SessionState


@functools.cache
def live_states() -> tuple[type[SessionState], ...]:
    """Every state that declares `live_topics`, parents before children (the header first)."""
    found: list[type[SessionState]] = []

    def walk(cls: type[SessionState]) -> None:
        if "live_topics" in cls.__dict__:
            _check_declaration(cls)
            found.append(cls)
        for sub in sorted(cls.get_substates(), key=lambda c: c.get_full_name()):
            walk(sub)

    walk(SessionState)
    return tuple(found)


def _check_declaration(cls: type) -> None:
    unknown = set(cls.__dict__["live_topics"]) - set(TOPICS)
    if unknown:
        raise TypeError(f"{cls.__name__}.live_topics names unknown topics {sorted(unknown)}")
    if "_apply_live" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} declares live_topics but no _apply_live of its own")


async def apply_to_tab(root: rx.State, events: Sequence[LiveEvent]) -> list:
    """Apply typed events to one tab's states (inside its modify_state); returns events for the browser."""
    header = await root.get_state(SessionState)
    browser: list = []
    for cls in live_states():
        if not header.user_id:
            break  # nobody holds this tab (never signed in, or signed out by the events just applied)
        roles = cls.__dict__.get("live_roles", ())
        if roles and header.user_role not in roles:
            continue
        topics = cls.__dict__["live_topics"]
        mine = [e for e in events if e.topic in topics]
        if not mine:
            continue
        state = await root.get_state(cls)
        result = state._apply_live(mine)
        if inspect.isawaitable(result):
            result = await result
        browser.extend(result or [])
    return browser


def make_applier(app: rx.App):
    async def apply_events(token: str, events: list[Event]) -> None:
        typed = [e for e in map(parse, events) if e is not None]  # the hub parses once; this is a no-op then
        if not typed:
            return
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=SessionState)) as root:
            browser = await apply_to_tab(root, typed)
        if browser and app.event_namespace is not None:
            # After the delta: e.g. a revoked tab first forgets its data, then goes to the login page.
            update = StateUpdate(events=BrowserEvent.from_event_type(browser))
            await app.event_namespace.emit_update(update=update, token=token)

    return apply_events
