"""SQLite writers of one process take turns in arrival order (kisaan_app/sqlite_writers.py), and every way a
transaction can end gives the turn back: commit, rollback, an error, a connection returned to the pool
mid-transaction. Without the queue, SQLite's busy handler let one of twenty writers wait five seconds."""

import threading
import time

import pytest
from sqlalchemy import exc as db_errors
from sqlalchemy import text

from kisaan_app.db import make_engine
from kisaan_app.sqlite_writers import WriterQueue


def _wait_until(check, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.005)


def test_writers_get_their_turn_in_the_order_they_came():
    queue = WriterQueue(timeout=10)
    assert queue.enter()
    order: list[int] = []

    def writer(n: int) -> None:
        queue.enter()
        order.append(n)
        queue.leave()

    threads = []
    for n in range(6):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: len(queue._waiting) == n + 1)  # each is queued before the next arrives
    queue.leave()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_thread_that_has_the_turn_is_not_queued_behind_itself():
    queue = WriterQueue(timeout=1)
    assert queue.enter() is True
    assert queue.enter() is False  # a second connection in the same thread: SQLite decides, as before
    queue.leave()


def test_a_writer_that_waits_too_long_gives_up_and_leaves_the_queue():
    queue = WriterQueue(timeout=0.2)
    queue.enter()
    failures: list[BaseException] = []

    def impatient() -> None:
        try:
            queue.enter()
        except TimeoutError as err:
            failures.append(err)

    thread = threading.Thread(target=impatient)
    thread.start()
    thread.join(5)
    assert failures and not queue._waiting
    queue.leave()
    assert queue._holder is None  # the turn was not handed to the writer that gave up


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE sale (id INTEGER PRIMARY KEY, qtl INTEGER NOT NULL)"))
    yield engine
    engine.dispose()


def _write_from_another_thread(engine) -> bool:
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO sale (qtl) VALUES (1)"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(5)


@pytest.mark.parametrize("ending", ["commit", "rollback", "error", "closed mid-transaction"])
def test_every_end_of_a_transaction_gives_the_turn_back(engine, ending):
    conn = engine.connect()
    conn.begin()
    conn.execute(text("INSERT INTO sale (qtl) VALUES (2)"))
    if ending == "commit":
        conn.commit()
    elif ending == "rollback":
        conn.rollback()
    elif ending == "error":
        with pytest.raises(db_errors.IntegrityError):
            conn.execute(text("INSERT INTO sale (qtl) VALUES (NULL)"))
        conn.rollback()
    conn.close()  # a connection closed mid-transaction is rolled back
    assert _write_from_another_thread(engine), f"after a {ending} the next writer never got its turn"


def test_reads_never_wait_for_a_writer(engine):
    writer = engine.connect()
    writer.begin()
    writer.execute(text("INSERT INTO sale (qtl) VALUES (3)"))  # holds the turn and SQLite's write lock
    read = threading.Event()

    def reader() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sale")).scalar()
        read.set()

    threading.Thread(target=reader, daemon=True).start()
    assert read.wait(5)
    writer.rollback()
    writer.close()


def test_twenty_writers_at_once_all_land(engine):
    def writer() -> None:
        for _ in range(20):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO sale (qtl) VALUES (5)"))

    threads = [threading.Thread(target=writer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sale")).scalar() == 400
