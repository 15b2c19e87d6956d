"""Settlement reconciliation: Razorpay's transfers, reversals and settlements against our payout rows.

Each finding is written on the payout (`mismatch`) for the admin's section and cleared when the figures agree
again; nothing is "corrected" silently, since a difference means one side's record of money is wrong.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import PayoutStatus
from kisaan_app.models.payouts import Payout
from kisaan_app.services import audit
from kisaan_app.services.payments import gateway
from kisaan_app.services.payouts import fees, ledger

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class Report:
    checked: int = 0
    flagged: list[str] = field(default_factory=list)  # "<order id>: <problem>" or "<transfer>: ..." lines
    errors: int = 0


def _flag(session: Session, payout: Payout, problem: str | None) -> None:
    if payout.mismatch == problem:
        return
    payout.mismatch, payout.updated_at = problem, utcnow()
    session.add(payout)
    if problem:
        audit.record(
            session,
            "payout.mismatch",
            actor_label="payout-reconcile",
            outcome="failure",
            target_type="payout",
            target_id=str(payout.market_order_id),
            organization_id=payout.organization_id,
            details={"problem": problem},
        )


def problems(payout: Payout, remote: dict | None, refunded: int) -> str | None:
    """What disagrees between our row, Razorpay's transfer and the sale's money; None when all agree."""
    if payout.razorpay_transfer_id and remote is None:
        return "transfer unknown to Razorpay"
    if remote is not None:
        if remote["status"] == "failed":
            return f"transfer {remote['id']} failed: {(remote.get('error') or {}).get('description')}"[:300]
        if remote["amount"] != payout.transfer_paise:
            return f"transfer {remote['amount']} != ours {payout.transfer_paise}"
        if remote["amount_reversed"] != payout.reversed_paise:
            return f"reversed {remote['amount_reversed']} != ours {payout.reversed_paise}"
        if remote.get("recipient_settlement_id") and payout.settlement_id not in (
            None,
            remote["recipient_settlement_id"],
        ):
            return f"settled in {remote['recipient_settlement_id']}, ours says {payout.settlement_id}"
    if payout.razorpay_transfer_id and refunded == payout.refunded_paise:
        net = payout.transfer_paise - payout.reversed_paise
        if payout.gross_paise != payout.fee_paise + net + refunded:
            return f"money in {payout.gross_paise} != fee {payout.fee_paise} + transfer {net} + refunds {refunded}"
        target = fees.split(payout.gross_paise, refunded, payout.fee_bps).seller_paise
        if net > target:
            return f"seller has {net}, should have {target} after refunds"
    return None


def reconcile(sessions: SessionFactory, limit: int = 500) -> Report:
    """Every payout with a transfer, newest first: fetch the transfer, compare, flag or clear."""
    report = Report()
    with sessions() as session:
        ids = session.exec(
            select(Payout.id, Payout.razorpay_transfer_id)
            .where(col(Payout.razorpay_transfer_id).is_not(None))
            .order_by(col(Payout.id).desc())
            .limit(limit)
        ).all()
    client = gateway.client()
    for payout_id, transfer_id in ids:
        try:
            remote = gateway.call(client.transfer.fetch, transfer_id)
        except gateway.ProviderRejected:
            remote = None  # 404: Razorpay has no such transfer
        except gateway.ProviderError:
            report.errors += 1
            continue
        with sessions() as session:
            payout = session.get(Payout, payout_id, with_for_update=True)
            problem = problems(payout, remote, ledger.processed_refunds(session, payout.payment_id))
            _flag(session, payout, problem)
            report.checked += 1
            if problem:
                report.flagged.append(f"{payout.market_order_id}: {problem}")
    return report


def check_settlement(sessions: SessionFactory, settlement_id: str, amount_paise: int) -> Report:
    """A settlement.processed arrived: mark the payouts it paid as settled and check its sum."""
    report = Report()
    found = gateway.call(gateway.client().transfer.all, {"recipient_settlement_id": settlement_id})
    items = [t for t in found.get("items", []) if t.get("recipient_settlement_id") == settlement_id]
    total = sum(t["amount"] - t["amount_reversed"] for t in items)
    with sessions() as session:
        for transfer in items:
            payout = session.exec(
                select(Payout).where(Payout.razorpay_transfer_id == transfer["id"]).with_for_update()
            ).first()
            report.checked += 1
            if payout is None:
                report.flagged.append(f"{transfer['id']}: settled transfer with no payout of ours")
                continue
            payout.settlement_id, payout.settled_at = settlement_id, payout.settled_at or utcnow()
            if payout.status in (PayoutStatus.RELEASED, PayoutStatus.ON_HOLD):
                payout.status = PayoutStatus.SETTLED
            problem = (
                None if total == amount_paise else f"settlement {settlement_id} is {amount_paise}, transfers {total}"
            )
            _flag(session, payout, problem)
            if problem:
                report.flagged.append(f"{payout.market_order_id}: {problem}")
            session.add(payout)
    return report
