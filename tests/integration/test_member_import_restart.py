"""Durable member imports: a worker process is killed in the middle of a chunk (an account made, its welcome
SMS row written, nothing committed); after the restart the sweep finds the import once its lease lapses and
finishes it: every member has exactly one account and one welcome. On SQLite and PostgreSQL."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

from sqlmodel import col, func, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.onboarding import MemberImport
from kisaan_app.services.onboarding import members, runner
from kisaan_app.settings import PROJECT_ROOT
from tests.api.test_member_import import _p
from tests.factories import META, make_org, make_user
from tests.payments_support import wait_for

# The worker under test: chunks of two, and the fourth member's welcome never returns (the process is killed
# there, inside the second chunk's transaction).
WORKER = """
import time
import kisaan_app.tasks  # registers the named jobs, as the worker process does
from kisaan_app.db import session_scope
from kisaan_app.services.onboarding import runner
runner.CHUNK = 2
real, calls = runner._welcome, []
def welcome(session, user, org):
    calls.append(user.id)
    real(session, user, org)
    if len(calls) == 4:
        time.sleep(600)
runner._welcome = welcome
runner.run_import(session_scope, {import_id})
"""


def _count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _done(import_id: int) -> int:
    with session_scope() as session:
        return session.get(MemberImport, import_id).done_rows


def test_a_worker_killed_mid_import_is_resumed_without_a_second_account_or_sms(db, database):
    org = make_org("Nashik FPO")
    admin = make_user("org_admin", org_id=org, name="FPO Office")
    rows = "".join(f"Member {chr(65 + i)},98222{i:05d}\n" for i in range(6))
    with session_scope() as session:
        import_id = members.start_import(session, _p(admin.id), META, ("name,phone\n" + rows).encode(), "m.csv").id
    env = {**os.environ, "DATABASE_URL": database}
    worker = subprocess.Popen([sys.executable, "-c", WORKER.format(import_id=import_id)], env=env, cwd=PROJECT_ROOT)
    try:
        wait_for(lambda: _done(import_id) == 2, timeout=60)  # the first chunk is committed
        os.kill(worker.pid, signal.SIGKILL)  # mid-chunk: the second chunk's account and SMS rows are uncommitted
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _done(import_id) == 2
    assert _count(User, col(User.phone).startswith("+9198222")) == 2
    with session_scope() as session:
        assert runner.stalled(session) == []  # the dead worker's lease still runs
        assert runner.stalled(session, utcnow() + timedelta(minutes=3)) == [import_id]
    runner.run_import(session_scope, import_id)  # what the sweep queues
    assert _count(User, col(User.phone).startswith("+9198222")) == 6
    welcomes = _count(
        NotificationHistory,
        col(NotificationHistory.idempotency_key).startswith("welcome:"),
        NotificationHistory.channel == "sms",
    )
    assert welcomes == 6
    with session_scope() as session:
        assert session.get(MemberImport, import_id).status == "done"
