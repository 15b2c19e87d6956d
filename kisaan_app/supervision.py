"""Supervised background loops: a loop that dies is logged and started again, with exponential backoff.

Every long-running task of a process (the live-delivery hub, the bus feeders, the price flusher, the client
heartbeat, the garbage-collection timer) runs under `supervise(...)`. A crash is one log line with its traceback
and a restart after 0.5 s, 1 s, 2 s ... up to `max_backoff`; a run that lasted `healthy_after` seconds starts the
backoff again from the beginning. A loop that returns has finished its work and is not restarted; cancelling the
supervisor cancels the loop. `loops()` reports every supervised loop for /api/health.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class LoopState:
    """What /api/health shows of one supervised loop: running, waiting to restart after a crash, or stopped
    (it finished its work or was cancelled), and how often it died."""

    name: str
    status: str = "running"  # running | restarting | stopped
    restarts: int = 0
    last_error: str | None = None  # the exception's type only: no payloads or hosts in a health report
    last_error_at: float | None = None  # epoch seconds

    def as_dict(self) -> dict:
        age = round(time.time() - self.last_error_at, 1) if self.last_error_at else None
        return {
            "status": self.status,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "last_error_age_seconds": age,
        }


_lock = threading.Lock()
_loops: dict[str, LoopState] = {}


def loops() -> dict[str, dict]:
    """Every loop supervised in this process, by name."""
    with _lock:
        return {name: state.as_dict() for name, state in sorted(_loops.items())}


def _state(name: str) -> LoopState:
    with _lock:
        return _loops.setdefault(name, LoopState(name))


async def supervise(
    name: str,
    run: Callable[[], Awaitable[object]],
    *,
    first_backoff: float = 0.5,
    max_backoff: float = 30.0,
    healthy_after: float = 60.0,
    logger: logging.Logger = log,
) -> None:
    """Run `run()` until it returns; when it raises, log it and run it again after a growing pause."""
    state = _state(name)
    backoff = first_backoff
    try:
        while True:
            started = time.monotonic()
            state.status = "running"
            try:
                await run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - the point of a supervisor: log every crash, then restart
                if time.monotonic() - started >= healthy_after:
                    backoff = first_backoff  # it ran well for a while: a new failure, not the same one again
                state.status, state.restarts = "restarting", state.restarts + 1
                state.last_error, state.last_error_at = type(err).__name__, time.time()
                logger.error("%s died (%s); restarting in %.1fs", name, type(err).__name__, backoff, exc_info=True)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
    finally:
        state.status = "stopped"
