"""Run a coroutine on a fresh event loop in its own thread.

Playwright's sync API keeps an event loop running in the main thread while the browser fixture lives,
and asyncio.run() refuses to start inside a running loop; a thread of its own has none.
"""

import asyncio
import contextvars
import threading


def run_async(coro, *, context: contextvars.Context | None = None):
    """`context`: run inside a copy of the caller's context variables (a new thread starts with none)."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = context.run(asyncio.run, coro) if context else asyncio.run(coro)
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = err

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if thread.is_alive():
        raise TimeoutError("coroutine did not finish in 60 s")
    if "error" in result:
        raise result["error"]
    return result.get("value")
