"""The farm-gate QR: at the gate the seller's side starts the buyer's payment for an order and shows its UPI QR.

Both faces (the Orders page and POST /api/market/orders/{id}/farm-gate-qr) call `show_farm_gate_qr`, so the
checks are the same: a seller-side role, an order of theirs that is still unpaid, one open payment per order.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from kisaan_app.models.enums import Role
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.payments import checkout, links

SELLER_ROLES = (Role.FARMER, Role.ORG_ADMIN, Role.ADMIN)


@dataclass(frozen=True)
class FarmGateQR:
    receipt: str
    qr_id: str
    amount_paise: int
    upi_payload: str
    status: str
    close_by: datetime | None


def show_farm_gate_qr(
    session_scope: Callable[[], AbstractContextManager[Session]],
    principal: Principal,
    meta: RequestMeta | None,
    market_order_id: int,
) -> FarmGateQR:
    """Make (or reuse) the buyer's payment for the order, then (or reuse) its single-use QR: two transactions."""
    require_role(principal, *SELLER_ROLES)
    with session_scope() as session:
        payment = checkout.start_order_payment(session, principal, meta, market_order_id)
        receipt, razorpay_order_id = payment.receipt, payment.razorpay_order_id
    with session_scope() as session:
        qr = links.create_qr(session, principal, meta, razorpay_order_id)
        return FarmGateQR(receipt, qr.razorpay_qr_id, qr.amount_paise, qr.upi_payload or "", qr.status, qr.close_by)
