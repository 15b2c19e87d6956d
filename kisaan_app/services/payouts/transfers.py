"""Bring one payout to its target at Razorpay Route: transfer the seller's share on hold, reverse what refunds
took back, lift the hold when it is due. No transaction is open during a provider call.

Idempotent by construction, so a retried job, a restart mid-way or two triggers at once never move money twice:
- one sync per payout at a time (ledger.claim, a guarded UPDATE with a lease);
- the transfer carries our payout id in its notes, and before creating one we look for it on the payment
  (a crash after Razorpay made it but before we wrote it down finds it there);
- a reversal is for (transfer amount − target − already reversed), read fresh from Razorpay each time;
- the release is a PATCH to on_hold=false, harmless to repeat.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlmodel import Session, update

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import PayoutStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment
from kisaan_app.models.payouts import LinkedAccount, Payout
from kisaan_app.services import audit
from kisaan_app.services.payments import gateway
from kisaan_app.services.payouts import fees, ledger
from kisaan_app.services.payouts.accounts import active_account_for

SessionFactory = Callable[[], AbstractContextManager[Session]]
PAYOUT_NOTE = "kisaan_payout"
LIVE = ("pending", "processed", "partially_reversed", "reversed")
TOLD_TEMPLATE = "payments.received"  # the seeded "₹{{ amount }} received" message, every channel and language


@dataclass(frozen=True)
class Snapshot:
    """What the sync needs, read in one short transaction."""

    payout_id: int
    order_number: str
    razorpay_payment_id: str | None
    account_id: str | None
    linked_account_id: int | None
    transfer_id: str | None
    release_due: bool
    target: fees.Split


def _snapshot(session: Session, payout: Payout) -> Snapshot:
    payment = session.get(Payment, payout.payment_id)
    order = session.get(MarketOrder, payout.market_order_id)
    account = session.get(LinkedAccount, payout.linked_account_id) if payout.linked_account_id else None
    if account is None:
        account = active_account_for(session, payout.seller_id, payout.organization_id)
    refunded = ledger.processed_refunds(session, payout.payment_id)
    return Snapshot(
        payout_id=payout.id,
        order_number=order.order_number if order else "",
        razorpay_payment_id=payment.razorpay_payment_id if payment else None,
        account_id=account.razorpay_account_id if account else None,
        linked_account_id=account.id if account else None,
        transfer_id=payout.razorpay_transfer_id,
        release_due=payout.release_due_at <= utcnow(),
        target=fees.split(payout.gross_paise, refunded, payout.fee_bps),
    )


def sync(sessions: SessionFactory, payout_id: int) -> str:
    """One pass toward the target; returns the payout's status afterwards ("busy" if another sync holds it)."""
    with sessions() as session:
        if not ledger.claim(session, payout_id):
            return "busy"
        payout = session.get(Payout, payout_id)
        if payout is None:
            return "missing"
        snap = _snapshot(session, payout)
    try:
        remote, error = _drive(snap)
    except gateway.ProviderError as err:
        remote, error = None, f"{err.code}: {err.params}"[:300]
        with sessions() as session:
            _record(session, payout_id, snap, None, error)
        raise
    with sessions() as session:
        return _record(session, payout_id, snap, remote, error)


def _drive(snap: Snapshot) -> tuple[dict | None, str | None]:
    """The provider calls; returns Razorpay's transfer as it stands afterwards (None: no transfer)."""
    if snap.account_id is None or snap.razorpay_payment_id is None:
        return None, None
    client = gateway.client()
    transfer = gateway.call(client.transfer.fetch, snap.transfer_id) if snap.transfer_id else _find(client, snap)
    if transfer is None:
        if snap.target.seller_paise <= 0:
            return None, None
        body = {
            "transfers": [
                {
                    "account": snap.account_id,
                    "amount": snap.target.seller_paise,
                    "currency": "INR",
                    "notes": {PAYOUT_NOTE: str(snap.payout_id), "order": snap.order_number},
                    "linked_account_notes": ["order"],
                    "on_hold": not snap.release_due,
                }
            ]
        }
        transfer = gateway.call(client.payment.transfer, snap.razorpay_payment_id, body)["items"][0]
    if transfer["status"] == "failed":
        return transfer, (transfer.get("error") or {}).get("description") or "transfer failed"
    owed_back = transfer["amount"] - snap.target.seller_paise - transfer["amount_reversed"]
    if owed_back > 0 and transfer["status"] in ("processed", "partially_reversed"):
        notes = {PAYOUT_NOTE: str(snap.payout_id), "reason": "refund"}
        gateway.call(client.transfer.reverse, transfer["id"], {"amount": owed_back, "notes": notes})
        transfer = gateway.call(client.transfer.fetch, transfer["id"])
    left = transfer["amount"] - transfer["amount_reversed"]
    if snap.release_due and transfer.get("on_hold") and left > 0:
        transfer = gateway.call(client.transfer.edit, transfer["id"], {"on_hold": False})
    return transfer, None


def _find(client, snap: Snapshot) -> dict | None:
    """Our transfer for this payout if Razorpay already made it (our write after the call was lost)."""
    made = gateway.call(client.payment.transfers, snap.razorpay_payment_id)
    for item in made.get("items", []):
        if (item.get("notes") or {}).get(PAYOUT_NOTE) == str(snap.payout_id) and item.get("status") in LIVE:
            return item
    return None


def _status(payout: Payout, remote: dict | None, snap: Snapshot) -> str:
    if remote is None:
        if snap.target.seller_paise <= 0:
            return PayoutStatus.CANCELLED
        return PayoutStatus.PENDING if snap.account_id else PayoutStatus.AWAITING_ACCOUNT
    if remote["status"] == "failed":
        return PayoutStatus.FAILED
    if remote["amount_reversed"] >= remote["amount"]:
        return PayoutStatus.REVERSED
    if payout.settlement_id or remote.get("settlement_status") == "settled":
        return PayoutStatus.SETTLED
    return PayoutStatus.ON_HOLD if remote.get("on_hold") else PayoutStatus.RELEASED


def _record(session: Session, payout_id: int, snap: Snapshot, remote: dict | None, error: str | None) -> str:
    """Write what Razorpay now says, and free the claim."""
    payout = session.get(Payout, payout_id, with_for_update=True, populate_existing=True)
    was = payout.status
    now = utcnow()
    payout.sync_claimed_until, payout.updated_at, payout.last_error = None, now, error
    payout.attempts += 1
    if remote is None and error is not None:  # the provider did not answer: nothing known changed
        session.add(payout)
        return payout.status
    payout.linked_account_id = payout.linked_account_id or snap.linked_account_id
    payout.refunded_paise = snap.target.refunded_paise
    if remote is not None and remote["status"] != "failed":
        payout.razorpay_transfer_id = remote["id"]
        payout.transfer_paise, payout.reversed_paise = remote["amount"], remote["amount_reversed"]
        payout.on_hold = bool(remote.get("on_hold"))
        if not payout.on_hold and payout.released_at is None and remote["amount_reversed"] < remote["amount"]:
            payout.released_at = now
        payout.fee_paise = (
            snap.target.gross_paise - snap.target.refunded_paise - (payout.transfer_paise - payout.reversed_paise)
        )
    else:
        payout.fee_paise = snap.target.fee_paise
    if remote is not None and remote["status"] == "failed":  # no money moved; in front of an admin (/payouts)
        payout.razorpay_transfer_id = remote["id"]  # kept: the sweep does not retry into the same refusal
        payout.transfer_paise = payout.reversed_paise = 0
        payout.mismatch = f"transfer {remote['id']} failed: {error}"[:300]
    payout.status = _status(payout, remote, snap)
    session.add(payout)
    if payout.status != was:
        audit.record(
            session,
            f"payout.{payout.status}",
            actor_label="payout-sync",
            target_type="payout",
            target_id=snap.order_number,
            organization_id=payout.organization_id,
            details={"from": was, "transfer": payout.razorpay_transfer_id, "seller_paise": snap.target.seller_paise},
        )
        _announce(session, payout)
        if payout.status == PayoutStatus.RELEASED:
            _tell_released(session, payout, snap)
    return payout.status


def _tell_released(session: Session, payout: Payout, snap: Snapshot) -> None:
    """The farmer hears it on the channels they chose, in their language (the one notify() pipeline)."""
    from kisaan_app.i18n import t
    from kisaan_app.i18n.formatting import rupees
    from kisaan_app.models.accounts import User
    from kisaan_app.services.notifications import Audience
    from kisaan_app.services.notifications.dispatch import notify
    from kisaan_app.services.notifications.templates import find_template

    order = session.get(MarketOrder, payout.market_order_id)
    buyer = session.get(User, order.buyer_id) if order else None
    seller = session.get(User, payout.seller_id)
    data = {
        "amount": rupees(payout.transfer_paise - payout.reversed_paise).lstrip("₹"),
        "payer": buyer.full_name if buyer else "",
        "reference": snap.order_number,
    }
    wording: dict = {"template_key": TOLD_TEMPLATE}
    if seller is None or find_template(session, TOLD_TEMPLATE, "in_app", seller.preferred_language) is None:
        lang = seller.preferred_language if seller else "en"  # an operator removed the template: plain words
        wording = {
            "subject": t(lang, "payouts.released_title", **data),
            "text": t(lang, "payouts.released_body", **data),
        }
    notify(
        session,
        None,  # the platform tells a seller about their own sale
        Audience(user_ids=(payout.seller_id,), role=""),
        "payments",
        **wording,
        data=data,
        url="/payouts",
        idempotency_key=f"payout:{payout.id}:released",
    )


def _announce(session: Session, payout: Payout) -> None:
    """The seller's (and their FPO admins') open pages reload: the sale's payment topic, which they already
    follow (the payout is part of that payment's story, and the payload says nothing new about it)."""
    from kisaan_app.services.payments.lifecycle import announce

    payment = session.get(Payment, payout.payment_id)
    if payment is not None:
        announce(session, payment)


def release_claims(session: Session) -> None:
    """Test and CLI helper: forget every lease (a process that died holding one)."""
    session.execute(update(Payout).values(sync_claimed_until=None))
