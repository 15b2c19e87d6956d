"""A payment's receipt: who paid whom, for what, the platform fee and the farmer's share, refunds so far.

Only the two sides of the payment may download it: the payer, and for a marketplace sale the farmer who sold.
Anyone else (an admin included: they have the payments pages) is told it does not exist. A receipt exists
only once money was captured.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import BuyerProfile, Organization, User
from kisaan_app.models.enums import RefundStatus
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import Conflict, ErrorCode, NotFound
from kisaan_app.services.payments.lifecycle import PAID_STATES
from kisaan_app.services.payouts import fees, ledger


@dataclass(frozen=True)
class Sale:
    order_number: str
    crop: str
    quantity: float
    unit: str
    price_paise: int
    seller_name: str
    seller_phone: str | None
    organization: str | None
    organization_registration: str | None


@dataclass(frozen=True)
class Receipt:
    receipt: str
    captured_at: datetime
    purpose: str
    amount_paise: int
    refunded_paise: int  # refunds that went through
    method: str | None
    provider_payment_id: str | None
    payer_name: str
    payer_business: str | None
    payer_gstin: str | None
    sale: Sale | None  # None for an advisory plan
    split: fees.Split | None  # the fee line of a sale


def _sale(session: Session, order: MarketOrder) -> Sale:
    listing = session.get(Listing, order.listing_id)
    seller = session.get(User, order.farmer_id)
    organization = session.get(Organization, order.organization_id) if order.organization_id else None
    return Sale(
        order.order_number,
        listing.crop if listing else "",
        order.quantity,
        order.unit,
        order.price_paise,
        seller.full_name if seller else "",
        seller.phone if seller else None,
        organization.name if organization else None,
        organization.registration_number if organization else None,
    )


def _split(session: Session, payment: Payment, refunded: int) -> fees.Split:
    """The fee as agreed when the order was paid (the payout row keeps its rate); today's setting otherwise."""
    payout = ledger.for_order(session, payment.market_order_id) if payment.market_order_id else None
    if payout is not None:
        return fees.split(payout.gross_paise, refunded, payout.fee_bps)
    return fees.split(payment.amount_paise, refunded)


def receipt_for(session: Session, principal: Principal, receipt: str) -> Receipt:
    payment = session.exec(select(Payment).where(Payment.receipt == receipt[:40])).first()
    order = session.get(MarketOrder, payment.market_order_id) if payment and payment.market_order_id else None
    parties = {payment.payer_id} if payment else set()
    if order is not None:
        parties.add(order.farmer_id)
    if payment is None or principal.id not in parties:
        raise NotFound(ErrorCode.PAYMENT_NOT_FOUND)
    if payment.status not in PAID_STATES:
        raise Conflict(ErrorCode.RECEIPT_NOT_PAID)
    refunded = session.exec(
        select(Refund.amount_paise).where(Refund.payment_id == payment.id, Refund.status == RefundStatus.PROCESSED)
    ).all()
    payer = session.get(User, payment.payer_id)
    profile = session.exec(select(BuyerProfile).where(col(BuyerProfile.user_id) == payment.payer_id)).first()
    refunded_paise = sum(refunded)
    return Receipt(
        receipt=payment.receipt,
        captured_at=payment.captured_at or payment.created_at,
        purpose=payment.purpose,
        amount_paise=payment.amount_paise,
        refunded_paise=refunded_paise,
        method=payment.method,
        provider_payment_id=payment.razorpay_payment_id,
        payer_name=payer.full_name if payer else "",
        payer_business=profile.business_name if profile else None,
        payer_gstin=profile.gstin if profile else None,
        sale=_sale(session, order) if order else None,
        split=_split(session, payment, refunded_paise) if order else None,
    )
