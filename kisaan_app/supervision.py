"""Supervised background loops: a loop that dies is logged and started again, with exponential backoff.

Every long-running task of a process (the live-delivery hub, the bus feeders, the price flusher, the client
heartbeat, the garbage-collection timer) runs under `supervise(...)`. A crash is one log line with its traceback
and a restart after 0.5 s, 1 s, 2 s ... up to `max_backoff`; a run that lasted `healthy_after` seconds starts the
backoff again from the beginning. A loop that returns has finished its work and is not restarted; cancelling the
supervisor cancels the loop. `loops()` reports every supervised loop for /api/health. `KeptProcess` does the
same for a child process (the job worker beside `serve`).
"""

import asyncio
import logging
import signal
import subprocess
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


class KeptProcess:
    """A child process kept running: started again with the same backoff when it exits, until stop().

    `serve` runs the job worker (and the sandbox) beside the web server this way, so a worker that crashes, or is
    killed by the out-of-memory killer, comes back instead of leaving jobs queued until someone notices.
    """

    def __init__(
        self,
        name: str,
        start: Callable[[], subprocess.Popen],
        *,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        healthy_after: float = 60.0,
    ) -> None:
        self.name, self._start = name, start
        self._first, self._max, self._healthy_after = first_backoff, max_backoff, healthy_after
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._keep, name=f"keep-{name}", daemon=True)
        self.state = _state(name)

    def start(self) -> "KeptProcess":
        self._thread.start()
        return self

    def _keep(self) -> None:
        backoff = self._first
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    break
                self.proc = self._start()
            self.state.status = "running"
            started = time.monotonic()
            code = self.proc.wait()
            if self._stopping.is_set():
                break
            if time.monotonic() - started >= self._healthy_after:
                backoff = self._first
            self.state.status, self.state.restarts = "restarting", self.state.restarts + 1
            self.state.last_error, self.state.last_error_at = f"exit {code}", time.time()
            log.error("%s exited with code %s; restarting in %.1fs", self.name, code, backoff)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, self._max)
        self.state.status = "stopped"

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Stop keeping it, and send `sig` to the running child."""
        with self._lock:
            self._stopping.set()
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(sig)

    def wait(self, timeout: float) -> None:
        """Wait for the child to end after stop(); kill it if it takes longer than `timeout`."""
        self._thread.join(timeout)
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
