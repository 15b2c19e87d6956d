"""Route's webhooks, inside the webhook's transaction: they only point at the payout and ask for a sync or a
settlement check (the provider is read after commit, by a job). Unknown transfers are noted and acknowledged."""

from sqlmodel import Session, select

from kisaan_app.jobs import enqueue_on_commit
from kisaan_app.models.payouts import Payout
from kisaan_app.services.payouts.ledger import request_sync
from kisaan_app.services.payouts.transfers import PAYOUT_NOTE


def _payout_of(session: Session, transfer: dict) -> Payout | None:
    found = session.exec(select(Payout).where(Payout.razorpay_transfer_id == transfer.get("id"))).first()
    if found is not None:
        return found
    ref = str((transfer.get("notes") or {}).get(PAYOUT_NOTE) or "") if isinstance(transfer.get("notes"), dict) else ""
    return session.get(Payout, int(ref)) if ref.isdigit() else None


def transfer_event(session: Session, name: str, transfer: dict) -> str | None:
    """transfer.processed / transfer.failed (and any other transfer.*): bring the payout up to date."""
    payout = _payout_of(session, transfer)
    if payout is None:
        return f"no payout for transfer {transfer.get('id')}"
    request_sync(session, payout)
    return None


def settlement_event(session: Session, name: str, settlement: dict) -> str | None:
    """settlement.processed: check which of our transfers it paid, and that the figures agree."""
    settlement_id = settlement.get("id")
    if name != "settlement.processed" or not isinstance(settlement_id, str):
        return f"ignored {name}"
    enqueue_on_commit(session, "payouts.check_settlement", settlement_id, int(settlement.get("amount") or 0))
    return None
