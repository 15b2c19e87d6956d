"""Durable steps for money to farmers: a worker process is killed in the middle of a payout (after it asked
Razorpay for the transfer, before it wrote the answer down); after the restart the sweep finishes the step
without redoing it (one transfer at Razorpay, the same one recorded), and the escrow release, due after the
dispute window, happens from the stored due time alone. On SQLite and PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import httpx

from kisaan_app.db import session_scope
from kisaan_app.models.base import utcnow
from kisaan_app.models.payouts import Payout
from kisaan_app.services.payouts import accounts, ledger, transfers
from kisaan_app.settings import PROJECT_ROOT
from tests.api.test_payouts import FORM, events, paid_id, pay, payout_of, principal, sandbox_auth
from tests.factories import make_org, make_user, token_for
from tests.payments_support import make_order, wait_for

HOLD_SECONDS = 3.0  # the sandbox holds the transfer request this long: the worker is killed meanwhile


def _sweep() -> list[str]:
    """What the periodic huey task does after a restart (tasks/payouts.py sweep_payouts), run in-process."""
    with session_scope() as session:
        ids = ledger.needing_sync(session)
    return [transfers.sync(session_scope, payout_id) for payout_id in ids]


def test_a_worker_killed_mid_transfer_recovers_without_a_second_transfer(payments, live_api_url, database):
    org = make_org("Nashik FPO")
    farmer = make_user("farmer", org_id=org, name="Ramesh Patil")
    buyer = make_user("buyer", name="Imran Traders")
    accounts.set_up(session_scope, principal(farmer.id), accounts.AccountForm(**FORM))
    order_id = make_order(buyer.id, farmer.id, 250_000, org)
    pay(live_api_url, payments.config.url, token_for(buyer), order_id)
    wait_for(lambda: events("order.paid") == 1)
    payout_id = payout_of(order_id).id

    payments.config.razorpay_delays["transfer.created"] = HOLD_SECONDS
    payments.outbox.clear()  # "api.held" below must be this request's
    code = (
        "from kisaan_app.db import session_scope\n"
        "from kisaan_app.services.payouts.transfers import sync\n"
        f"sync(session_scope, {payout_id})\n"
    )
    env = {**os.environ, "DATABASE_URL": database}
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT)
    try:
        wait_for(lambda: payments.outbox.list("razorpay", "api.held"), timeout=30)
        os.kill(worker.pid, signal.SIGKILL)  # mid-step: Razorpay has the request, we never see its answer
        worker.wait(timeout=10)
    finally:
        payments.config.razorpay_delays.clear()
        if worker.poll() is None:
            worker.kill()

    def made_at_razorpay() -> list[dict]:
        url = f"{payments.config.url}/v1/payments/{paid_id(order_id)}/transfers"
        return httpx.get(url, auth=sandbox_auth(), timeout=10).json()["items"]

    wait_for(made_at_razorpay, timeout=HOLD_SECONDS + 10)  # Razorpay went ahead without us
    cut_off = payout_of(order_id)
    assert cut_off.razorpay_transfer_id is None and cut_off.status == "pending"
    assert cut_off.sync_claimed_until is not None  # the dead worker's lease
    assert _sweep() == []  # nobody takes the payout while the lease runs

    with session_scope() as session:  # ... a minute later, the lease has run out
        row = session.get(Payout, payout_id)
        row.sync_claimed_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert _sweep() == ["on_hold"]
    [transfer] = made_at_razorpay()
    recovered = payout_of(order_id)
    assert (recovered.razorpay_transfer_id, recovered.transfer_paise) == (transfer["id"], 245_000)
    assert transfer["on_hold"] is True
    time.sleep(0.3)  # the transfer is processed a moment later
    assert _sweep() == []  # nothing left to do until the release is due

    # The dispute window ends (no delivery confirmed): the stored due time alone releases it.
    with session_scope() as session:
        row = session.get(Payout, payout_id)
        row.release_due_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert _sweep() == ["released"]
    assert [(t["id"], t["on_hold"]) for t in made_at_razorpay()] == [(transfer["id"], False)]
    assert _sweep() == []
