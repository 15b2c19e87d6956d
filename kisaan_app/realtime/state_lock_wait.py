"""How long Reflex events and live deliveries wait for a client's state (the `kisaan_reflex_state_lock_wait_seconds`
histogram on /metrics).

Every event handler, background task and live delivery takes its client's state through the state manager's
`modify_state`, which holds a lock per client (an asyncio lock in memory, a Redis lock with several processes)
and loads the state. A client's events queue behind each other there; a long wait means a slow handler or a
fan-out holding that client, which request latency alone does not show."""

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from kisaan_app.observability import metrics


class _TimedEntry:
    """Wraps one `modify_state(...)` context: times the way in, passes everything else through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def __aenter__(self) -> Any:
        began = time.perf_counter()
        try:
            return await self._inner.__aenter__()
        finally:
            metrics.STATE_LOCK_WAIT_SECONDS.observe(time.perf_counter() - began)

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        return await self._inner.__aexit__(kind, err, tb)


def measure_state_lock_waits(manager: Any) -> None:
    """Time every `manager.modify_state(...)` entry from now on (once per manager; a second call does nothing)."""
    if getattr(manager, "_kisaan_timed", False):
        return
    inner: Callable[..., Any] = manager.modify_state

    def modify_state(token: Any, **context: Any) -> _TimedEntry:
        return _TimedEntry(inner(token, **context))

    manager.modify_state = modify_state
    manager._kisaan_timed = True
