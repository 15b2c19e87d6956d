"""SQLite writers of this process take turns in arrival order.

SQLite allows one writer at a time. A connection that finds the write lock taken waits in SQLite's busy
handler, which sleeps and retries (1 ms, 2 ms … then 100 ms at a time) with no notion of who came first, so
under twenty writers an unlucky one kept losing the race and waited five seconds. Here the writers of one
process queue first-come first-served before their first INSERT/UPDATE/DELETE, and leave the queue when their
transaction ends; SQLite's busy handler is left to arbitrate only between processes (the web process and the
job worker), where waits are short.

Python's sqlite3 opens a transaction at the first write statement, not at BEGIN, so the turn is held from that
statement to COMMIT/ROLLBACK: reads before it, and every other connection's reads, never wait.
"""

import logging
import sqlite3
import threading
import time
from collections import deque
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as db_errors
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)
_TURN = "kisaan_write_turn"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriterQueue:
    """A first-come first-served turn to write, which a waiter gives up after `timeout` seconds."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._holder: int | None = None  # thread ident of the writer whose turn it is
        self._waiting: deque[tuple[int, threading.Event]] = deque()

    def enter(self) -> bool:
        """Wait for this thread's turn. False when the thread already has it (a second connection in the same
        thread: SQLite itself decides, as it would without the queue). Raises TimeoutError after `timeout`."""
        me = threading.get_ident()
        with self._lock:
            if self._holder == me:
                return False
            if self._holder is None:
                self._holder = me
                return True
            called = threading.Event()
            self._waiting.append((me, called))
        if called.wait(self.timeout):
            return True
        with self._lock:
            if self._holder == me:  # handed the turn just as the wait ran out
                return True
            self._waiting.remove((me, called))
        raise TimeoutError(f"no turn to write within {self.timeout:.0f} s")

    def leave(self) -> None:
        with self._lock:
            if self._waiting:
                self._holder, called = self._waiting.popleft()
                called.set()
            else:
                self._holder = None


def _is_write(statement: str) -> bool:
    head = statement.lstrip()[:8].upper()
    return head.startswith(_WRITES)


def take_turns(engine: Engine, timeout: float) -> WriterQueue:
    """Make `engine`'s connections queue for their turn before writing; returns the queue (tests look at it)."""
    queue = WriterQueue(timeout)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if _TURN in conn.info or not _is_write(statement):
            return
        began = time.monotonic()
        try:
            entered = queue.enter()
        except TimeoutError as err:
            # The same answer SQLite gives past its busy timeout: an outage to the caller (503, try again).
            raise db_errors.OperationalError(statement, parameters, sqlite3.OperationalError(str(err))) from err
        if entered:
            conn.info[_TURN] = time.monotonic() - began

    def _end(info: dict[str, Any]) -> None:
        if info.pop(_TURN, None) is not None:
            queue.leave()

    @event.listens_for(engine, "commit")
    def _after_commit(conn: Connection) -> None:
        _end(conn.info)

    @event.listens_for(engine, "rollback")
    def _after_rollback(conn: Connection) -> None:
        _end(conn.info)

    # A connection returned to the pool (or dropped) mid-transaction is rolled back by the pool, not by a
    # Connection: end its turn there too, or every later writer would wait for it.
    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi_conn: Any, record: ConnectionPoolEntry, *_args: Any) -> None:
        _end(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_conn: Any, record: ConnectionPoolEntry, _exc: BaseException | None) -> None:
        _end(record.info)

    return queue
