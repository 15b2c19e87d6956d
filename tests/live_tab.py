"""A browser tab's Reflex states without a browser or a server, for the live-state tests.

`Tab` holds one root state with the router data a real tab has (its client token, the HttpOnly session
cookie captured at the WebSocket handshake, the page's path and query), so handlers authorise exactly as in
production. `Capture` reads the real event bus while a service acts, so a test applies what was published.
"""

import asyncio
import contextvars
import itertools
from collections.abc import Callable
from urllib.parse import urlencode

import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import func, select

import kisaan_app.kisaan_app  # noqa: F401 - every page, so every state is in the tree
from kisaan_app.cookies import SESSION_COOKIE
from kisaan_app.db import session_scope
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import bus
from kisaan_app.realtime.events import Event, LiveEvent, parse, targets_for
from kisaan_app.state.live import apply_to_tab
from tests.asyncio_thread import run_async

_tokens = itertools.count(1)


def run_in_app(coro):
    """tests.asyncio_thread.run_async inside Reflex's registration context: a context variable set when the
    states were defined, which a new thread does not inherit."""
    return run_async(coro, context=contextvars.copy_context())


class Tab:
    def __init__(self, session_token: str, path: str = "/", **query: str) -> None:
        self.token = f"tab-{next(_tokens)}"
        self.root = rx.State(_reflex_internal_init=True)
        self.root.router = RouterData.from_router_data(
            {
                "token": self.token,
                "sessionId": f"sid-{self.token}",
                "headers": {"cookie": f"{SESSION_COOKIE}={session_token}", "user-agent": "pytest"},
                "pathname": path,
                "asPath": f"{path}?{urlencode(query)}" if query else path,
                "query": query,
            }
        )
        self.browser_events: list = []

    async def state(self, cls):
        return await self.root.get_state(cls)

    async def open(self, cls, handler: str = "load"):
        """The page's on_load, as the browser triggers it; returns the state."""
        state = await self.state(cls)
        event = getattr(cls, handler)
        if getattr(event, "is_background", False):
            # Reflex refuses a direct call to a background event; its function runs on the plain state, where
            # `async with self` is a no-op (no other event runs on this tab in a test).
            result = event.fn(state)
        else:
            result = getattr(state, handler)()
        if asyncio.iscoroutine(result):
            await result
        return state

    async def apply(self, events: list[LiveEvent]) -> None:
        self.browser_events += await apply_to_tab(self.root, events)


def forget_all_tabs() -> None:
    """The process-wide registry outlives a test; ids restart with the emptied tables, so start from none."""
    from kisaan_app.realtime.registry import registry

    for token in registry.tokens():
        registry.unregister(token)


def _stored_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(RealTimeEvent)).one()


class Capture:
    """Every event the bus delivers while `act` runs (all addresses); waits until each stored one arrived."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def run(self, act: Callable[[], object], timeout: float = 5.0) -> object:
        subscription = bus.get_bus().subscribe()
        try:
            assert await subscription.ready()
            before = await asyncio.to_thread(_stored_count)
            result = await asyncio.to_thread(act)
            expected = await asyncio.to_thread(_stored_count) - before
            while len(self.events) < expected:
                self.events.append(await asyncio.wait_for(subscription.queue.get(), timeout))
            return result
        finally:
            subscription.close()

    def for_user(self, user) -> list[LiveEvent]:
        """What the hub would hand this person's tab: their addresses, parsed payloads, bad ones skipped."""
        targets = targets_for(user.id, user.organization_id, user.role)
        return [e for e in map(parse, self.events) if e is not None and e.target in targets]
