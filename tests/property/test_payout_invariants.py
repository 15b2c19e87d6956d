"""Money to farmers under random sequences of events (hypothesis stateful testing), on SQLite and PostgreSQL.

Each example is one paid sale whose seller has a Route linked account, driven by the real services against the
Razorpay stand-in in any order: refunds (partial or the rest), the stand-in's held webhooks delivered oldest or
newest first, duplicate deliveries, payout syncs, a sync cut off after Razorpay acted but before we wrote it
down (then "restarted"), the buyer confirming delivery, and Route's settlement run. Throughout, Razorpay never
holds more than one live transfer for the sale; once everything has arrived and a sync has run:

    money in = platform fee + (transferred − reversed) + refunds

with the fee exactly the agreed rate of what was kept, our figures equal Razorpay's, and a released hold only
after delivery. KISAAN_PAYOUT_EXAMPLES / KISAAN_PAYOUT_STEPS (default 2 x 8, each example a real sale
through the stand-in) dig deeper locally.
"""

import os
import time
import uuid

import httpx
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.payments import Payment
from kisaan_app.models.payouts import Payout
from kisaan_app.services.accounts import to_principal
from kisaan_app.services.errors import DomainError
from kisaan_app.services.market import orders
from kisaan_app.services.payments import checkout, refunds
from kisaan_app.services.payments.gateway import ProviderError
from kisaan_app.services.payouts import accounts, fees, ledger, transfers
from kisaan_app.services.payouts.transfers import _drive, _snapshot
from kisaan_app.settings import get_settings
from tests.factories import make_org, make_user
from tests.payments_support import complete_checkout, make_order

settings.register_profile(
    "payout-invariants",
    max_examples=int(os.environ.get("KISAAN_PAYOUT_EXAMPLES", "2")),
    stateful_step_count=int(os.environ.get("KISAAN_PAYOUT_STEPS", "8")),
    deadline=None,
    database=None,
    print_blob=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SETTLE_PAUSE = 0.4  # the stand-in answers refunds (0.3 s) and transfers (0.2 s) a moment after the call
FORM = accounts.AccountForm(
    kind="bank",
    legal_name="Sunita Pawar",
    beneficiary_name="Sunita Pawar",
    pan="ABCPP1234F",
    email="sunita@example.com",
    phone="9876543210",
    street="Gat 7",
    city="Nashik",
    state="Maharashtra",
    pincode="422001",
    account_number="123456789012",
    ifsc="SBIN0001234",
)


def principal(user: User):
    with session_scope() as session:
        return to_principal(session.get(User, user.id), "property")


class PayoutMachine(RuleBasedStateMachine):
    sandbox_url = ""
    people: dict = {}
    auth: tuple[str, str] = ("", "")

    @initialize(amount=st.integers(min_value=10_000, max_value=900_000))
    def a_paid_sale(self, amount: int) -> None:
        if not PayoutMachine.people:  # one cast for the whole run (password hashing is slow); a new sale each time
            org = make_org(f"FPO {uuid.uuid4().hex[:6]}")
            farmer = make_user("farmer", org_id=org, name="Sunita Pawar")
            accounts.set_up(session_scope, principal(farmer), FORM)
            PayoutMachine.people = {"org": org, "farmer": farmer, "buyer": make_user("buyer", name="Buyer Co")}
            PayoutMachine.people["admin"] = principal(make_user("admin"))
        people = PayoutMachine.people
        self.farmer, self.buyer, self.admin = people["farmer"], people["buyer"], people["admin"]
        self.order_id = make_order(self.buyer.id, self.farmer.id, amount, people["org"])
        buyer = principal(self.buyer)
        with session_scope() as session:
            pay = checkout.start_order_payment(session, buyer, None, self.order_id)
            rzp_order, receipt = pay.razorpay_order_id, pay.receipt
        fields = complete_checkout(self.sandbox_url, rzp_order, "http://127.0.0.1/unused")
        with session_scope() as session:
            checkout.verify(
                session, buyer, None, rzp_order, fields["razorpay_payment_id"], fields["razorpay_signature"]
            )
        self.receipt, self.rzp_payment = receipt, fields["razorpay_payment_id"]
        with session_scope() as session:
            self.payout_id = ledger.for_order(session, self.order_id).id
        self.delivered = False

    # --- what may happen, in any order -------------------------------------------------------------------------

    @rule(percent=st.integers(min_value=1, max_value=100))
    def refund(self, percent: int) -> None:
        with session_scope() as session:
            payment = session.exec(select(Payment).where(Payment.receipt == self.receipt)).one()
            left = refunds.refundable_paise(session, payment)
        amount = max(100, left * percent // 100)
        if left < 100:
            return
        try:
            with session_scope() as session:
                refunds.refund(session, self.admin, None, self.receipt, amount, "Quality", uuid.uuid4().hex[:12])
        except (DomainError, ProviderError):
            pass

    @rule(newest_first=st.booleans())
    def webhooks_arrive(self, newest_first: bool) -> None:
        time.sleep(0.35)  # refunds and transfers answered by now, their events held
        order = "reverse" if newest_first else "sent"
        httpx.post(f"{self.sandbox_url}/sandbox/webhooks/deliver-pending", params={"order": order}, timeout=30)

    @rule(pick=st.integers(min_value=0, max_value=50))
    def a_webhook_arrives_twice(self, pick: int) -> None:
        sent = [
            e for e in httpx.get(f"{self.sandbox_url}/sandbox/webhooks", timeout=10).json() if e["state"] == "delivered"
        ]
        if sent:
            event = sent[pick % len(sent)]
            httpx.post(f"{self.sandbox_url}/sandbox/webhooks/{event['id']}/redeliver", timeout=30)

    @rule()
    def sync(self) -> None:
        try:
            transfers.sync(session_scope, self.payout_id)
        except ProviderError:
            pass

    @rule()
    def sync_cut_off_then_restart(self) -> None:
        """The worker dies after Razorpay acted, before our write: the lease expires, nothing is written."""
        with session_scope() as session:
            if not ledger.claim(session, self.payout_id):
                return
            snap = _snapshot(session, session.get(Payout, self.payout_id))
        try:
            _drive(snap)
        except ProviderError:
            pass
        with session_scope() as session:  # the restart: the dead worker's lease is over
            transfers.release_claims(session)

    @rule()
    def buyer_confirms_delivery(self) -> None:
        seller, buyer = principal(self.farmer), principal(self.buyer)
        try:
            with session_scope() as session:
                orders.advance(session, seller, None, self.order_id, "dispatched")
            with session_scope() as session:
                orders.advance(session, buyer, None, self.order_id, "delivered")
            self.delivered = True
        except DomainError:
            pass

    @rule()
    def route_settles(self) -> None:
        httpx.post(f"{self.sandbox_url}/sandbox/route/settle", timeout=10)

    # --- what must always hold ---------------------------------------------------------------------------------

    def live_transfers(self) -> list[dict]:
        made = httpx.get(f"{self.sandbox_url}/v1/payments/{self.rzp_payment}/transfers", auth=self.auth, timeout=10)
        return [t for t in made.json()["items"] if t["status"] != "failed"]

    @invariant()
    def one_transfer_at_most(self) -> None:
        if hasattr(self, "rzp_payment"):
            assert len(self.live_transfers()) <= 1

    @invariant()
    def released_only_after_delivery(self) -> None:
        if hasattr(self, "payout_id"):
            with session_scope() as session:
                row = session.get(Payout, self.payout_id)
            assert row.released_at is None or self.delivered  # the dispute window (72 h) never passes here

    def teardown(self) -> None:
        if not hasattr(self, "payout_id"):
            return
        for _ in range(2):  # everything arrives, then the payout catches up
            time.sleep(SETTLE_PAUSE)
            httpx.post(f"{self.sandbox_url}/sandbox/webhooks/deliver-pending", timeout=30)
            with session_scope() as session:
                transfers.release_claims(session)
            transfers.sync(session_scope, self.payout_id)
        with session_scope() as session:
            row = session.get(Payout, self.payout_id)
            refunded = ledger.processed_refunds(session, row.payment_id)
        net = row.transfer_paise - row.reversed_paise
        assert row.gross_paise == row.fee_paise + net + refunded, row
        target = fees.split(row.gross_paise, refunded, get_settings().platform_fee_bps)
        assert (row.fee_paise, net, row.refunded_paise) == (target.fee_paise, target.seller_paise, refunded)
        live = self.live_transfers()
        if target.seller_paise or row.razorpay_transfer_id:
            [remote] = live
            assert (remote["id"], remote["amount"], remote["amount_reversed"]) == (
                row.razorpay_transfer_id,
                row.transfer_paise,
                row.reversed_paise,
            )
            assert remote["on_hold"] is (not self.delivered and net > 0) or net == 0
        else:
            assert live == [] and row.status == "cancelled"


def test_money_in_equals_fee_plus_transfers_plus_refunds(payments, live_api_url):
    from kisaan_app.providers import sandbox_keys

    PayoutMachine.sandbox_url, PayoutMachine.people = payments.config.url, {}
    PayoutMachine.auth = (sandbox_keys.SANDBOX_RAZORPAY_KEY_ID, sandbox_keys.SANDBOX_RAZORPAY_KEY_SECRET)
    payments.config.send_webhooks = False  # held: the machine decides when and in what order they arrive
    try:
        run_state_machine_as_test(PayoutMachine, settings=settings.get_profile("payout-invariants"))
    finally:
        payments.config.send_webhooks = True
