"""Run a coroutine on a fresh event loop in its own thread.

Playwright's sync API keeps an event loop running in the main thread while the browser fixture lives,
and asyncio.run() refuses to start inside a running loop; a thread of its own has none.
"""

import asyncio
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_in_thread(fn: Callable[[], T], *, timeout: float = 60) -> T:
    """`fn()` in a thread of its own (no event loop running there); its error is raised here."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = err

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=timeout)
    if thread.is_alive():
        raise TimeoutError(f"did not finish in {timeout:.0f} s")
    if "error" in result:
        raise result["error"]
    return result.get("value")  # type: ignore[return-value]


def run_async(coro, *, context: contextvars.Context | None = None, timeout: float = 60):
    """`context`: run inside a copy of the caller's context variables (a new thread starts with none)."""
    return run_in_thread(lambda: context.run(asyncio.run, coro) if context else asyncio.run(coro), timeout=timeout)
