"""Starting a payment (a Razorpay order plus our Payment row) and checking what Checkout reports back.

The checkout callback is a hint, the webhook the authority: a valid signature proves Razorpay authorised
the payment, and we then ask Razorpay for the attempt's real state before moving our row forward.
"""

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import OPEN_PAYMENT_STATES, SUBSCRIPTION_PLANS, Payment, Subscription
from kisaan_app.services import audit, ratelimit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, ValidationFailed
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import (
    PAID_STATES,
    PENDING_STATES,
    apply_provider_payment,
    lock_order,
    locked,
    move,
    write_lock,
)
from kisaan_app.settings import get_settings

MERCHANT_NAME = "Kisaansay"
START_WAIT_SECONDS = 10  # how long a second request waits for the first one's Razorpay order


@dataclass(frozen=True)
class CheckoutStart:
    """What a page needs to open Checkout for one payment."""

    receipt: str
    razorpay_order_id: str
    amount_paise: int
    currency: str
    description: str
    key_id: str
    callback_url: str
    checkout_url: str | None  # the sandbox's checkout page; None with real keys (the page opens checkout.js)
    sandbox: bool


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    receipt: str | None = None
    status: str | None = None


def limit(action: str, principal: Principal | None, meta: RequestMeta | None) -> None:
    """5 attempts per 5 minutes per user and per IP (settings), counted whether or not the attempt succeeds."""
    settings = get_settings()
    keys = []
    if principal is not None:
        keys.append((settings.payment_rate_per_user, f"user:{principal.id}"))
    if meta is not None and meta.ip:
        keys.append((settings.payment_rate_per_ip, f"ip:{meta.ip}"))
    for rule, key in keys:
        ratelimit.check(rule, f"payment-{action}", key)
    for rule, key in keys:
        ratelimit.hit(rule, f"payment-{action}", key)


def checkout_for(payment: Payment) -> CheckoutStart:
    settings = get_settings()
    creds = gateway.credentials()
    description = str(payment.notes.get("description") or payment.receipt)
    callback = f"{settings.public_url}/api/payments/callback"
    checkout_url = None
    if creds.sandbox:
        query = urlencode({"callback_url": callback, "name": MERCHANT_NAME, "description": description})
        checkout_url = f"{settings.sandbox_public_url}/sandbox/checkout/{payment.razorpay_order_id}?{query}"
    return CheckoutStart(
        payment.receipt,
        payment.razorpay_order_id or "",
        payment.amount_paise,
        payment.currency,
        description,
        creds.key_id,
        callback,
        checkout_url,
        creds.sandbox,
    )


def _open_payment(session: Session, **where) -> Payment | None:
    query = select(Payment).filter_by(**where).where(col(Payment.status).in_(OPEN_PAYMENT_STATES))
    return session.exec(query.order_by(col(Payment.id).desc())).first()


def _ready(session: Session, payment: Payment) -> Payment:
    """The open payment, once its Razorpay order exists. A concurrent request that reserved the row may still
    be talking to Razorpay: wait a little for it (our locks are released first) rather than make a second one."""
    session.commit()
    deadline = time.monotonic() + START_WAIT_SECONDS
    while payment.razorpay_order_id is None:
        if payment.status not in OPEN_PAYMENT_STATES or time.monotonic() > deadline:
            raise Conflict("payment_starting")
        time.sleep(0.1)
        session.refresh(payment)
    return payment


def _reserve(
    session: Session,
    principal: Principal,
    purpose: str,
    amount: int,
    description: str,
    payer: User | None,
    organization_id: int | None,
    **link: int,
) -> Payment | None:
    """Insert the open Payment row before any provider call; None if a concurrent request got there first
    (the partial unique index on open payments per order/plan refuses the second INSERT)."""
    payment = Payment(
        payer_id=payer.id if payer else principal.id,
        organization_id=organization_id,
        purpose=purpose,
        amount_paise=amount,
        receipt=f"rcpt_{secrets.token_hex(10)}",
        notes={"description": description},
        **link,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return payment


def _attach_order(session: Session, principal: Principal, meta: RequestMeta | None, payment: Payment) -> Payment:
    """Commit the reservation (releasing every lock), create the Razorpay order outside any transaction, then
    record its id. If Razorpay fails the reservation is marked failed, so the next click starts afresh."""
    session.commit()
    link = {k: getattr(payment, k) for k in ("market_order_id", "subscription_id") if getattr(payment, k)}
    notes = {"purpose": payment.purpose, "receipt": payment.receipt, **{k: str(v) for k, v in link.items()}}
    data = {"amount": payment.amount_paise, "currency": "INR", "receipt": payment.receipt, "notes": notes}
    try:
        order = gateway.call(gateway.client().order.create, data=data)
    except gateway.ProviderError:
        payment.status, payment.failure_code = "failed", "provider_unavailable"
        session.add(payment)
        session.commit()
        raise
    payment.razorpay_order_id = order["id"]
    session.add(payment)
    audit.record(
        session,
        "payment.create",
        actor=principal,
        meta=meta,
        target_type="payment",
        target_id=payment.receipt,
        details={"purpose": payment.purpose, "amount_paise": payment.amount_paise, "razorpay_order_id": order["id"]}
        | link,
    )
    return payment


def _start(
    session: Session,
    principal: Principal,
    meta: RequestMeta | None,
    purpose: str,
    amount: int,
    description: str,
    payer: User | None = None,
    organization_id: int | None = None,
    **link: int,
) -> Payment:
    """One open payment per order or plan: reuse it, or reserve the row, then create the Razorpay order.

    `payer` is who owes the money when someone else starts the payment (a farmer showing a farm-gate QR);
    `organization_id` is the FPO whose books it belongs in (the seller's, for a sale)."""
    existing = _open_payment(session, **link)
    if existing:
        return _ready(session, existing)
    limit("create", principal, meta)
    payment = _reserve(session, principal, purpose, amount, description, payer, organization_id, **link)
    if payment is None:
        existing = _open_payment(session, **link)
        if existing is None:
            raise Conflict("payment_starting")
        return _ready(session, existing)
    return _attach_order(session, principal, meta, payment)


def order_payable(order: MarketOrder) -> bool:
    return order.status == "pending_payment" and (order.hold_until is None or order.hold_until > utcnow())


def start_order_payment(session: Session, principal: Principal, meta: RequestMeta | None, order_id: int) -> Payment:
    """A buyer pays a marketplace order; two tabs, a double click or the farm-gate QR racing the buyer's
    checkout all get the same payment (the order row is locked, and the database refuses a second open one).

    The seller's side (the farmer, their FPO admin) may start it too, for the buyer, to show a UPI QR at the
    farm gate: the payment is still the buyer's."""
    from kisaan_app.models.market import Listing
    from kisaan_app.services.market.listings import can_manage

    require_role(principal, Role.BUYER, Role.FARMER, Role.ORG_ADMIN, Role.ADMIN)
    order = lock_order(session, order_id)
    listing = session.get(Listing, order.listing_id) if order else None
    seller_side = listing is not None and principal.id != order.buyer_id and can_manage(principal, listing)
    if order is None or not (order.buyer_id == principal.id or seller_side):
        raise NotFound("order_not_found")
    if not order_payable(order):
        raise Conflict("order_not_payable", status=order.status)
    return _start(
        session,
        principal,
        meta,
        "market_order",
        order.amount_paise,
        f"Order {order.order_number}",
        payer=session.get(User, order.buyer_id) if seller_side else None,
        organization_id=order.organization_id,
        market_order_id=order.id,
    )


def plan_price(plan: str) -> int:
    settings = get_settings()
    return {"monthly": settings.plan_monthly_paise, "yearly": settings.plan_yearly_paise}[plan]


def _lock_farmer(session: Session, user_id: int) -> None:
    """Serialise one farmer's plan requests (two tabs buying at once)."""
    write_lock(session)
    session.exec(select(User.id).where(User.id == user_id).with_for_update()).first()


def _expire_lapsed_plans(session: Session, user_id: int) -> None:
    lapsed = session.exec(
        select(Subscription).where(
            Subscription.user_id == user_id, Subscription.status == "active", col(Subscription.renews_at) <= utcnow()
        )
    ).all()
    for plan in lapsed:
        plan.status, plan.updated_at = "expired", utcnow()
        session.add(plan)
    session.flush()


def start_plan_payment(session: Session, principal: Principal, meta: RequestMeta | None, plan: str) -> Payment:
    """A farmer buys the monthly or yearly advisory plan; it turns active when the payment is captured.

    At most one pending and one active plan per farmer (the database holds both): a second plan is refused
    while one is active, or pending for another length (cancel that one first)."""
    require_role(principal, Role.FARMER)
    if plan not in SUBSCRIPTION_PLANS:
        raise ValidationFailed("plan_unknown", field="plan")
    _lock_farmer(session, principal.id)
    _expire_lapsed_plans(session, principal.id)
    active = session.exec(
        select(Subscription).where(Subscription.user_id == principal.id, Subscription.status == "active")
    ).first()
    if active:
        raise Conflict("plan_active", until=active.renews_at.date().isoformat() if active.renews_at else "")
    pending = session.exec(
        select(Subscription).where(Subscription.user_id == principal.id, Subscription.status == "pending")
    ).first()
    if pending and pending.plan != plan:
        raise Conflict("plan_pending", plan=pending.plan)
    amount = plan_price(plan)
    subscription = pending or Subscription(user_id=principal.id, plan=plan, amount_paise=amount)
    session.add(subscription)
    try:
        session.flush()
    except IntegrityError:  # a second pending plan: the database refuses it even if a lock was missed
        session.rollback()
        raise Conflict("plan_pending", plan=plan) from None
    return _start(
        session,
        principal,
        meta,
        "subscription",
        amount,
        f"Advisory plan ({plan})",
        organization_id=principal.organization_id,
        subscription_id=subscription.id,
    )


def cancel_pending_plan(session: Session, principal: Principal, meta: RequestMeta | None) -> Subscription:
    """The farmer abandons a plan they have not paid for; money that still arrives for it is given back."""
    require_role(principal, Role.FARMER)
    _lock_farmer(session, principal.id)
    pending = session.exec(
        select(Subscription).where(Subscription.user_id == principal.id, Subscription.status == "pending")
    ).first()
    if pending is None:
        raise NotFound("plan_not_found")
    open_payments = session.exec(
        select(Payment).where(Payment.subscription_id == pending.id, col(Payment.status).in_(OPEN_PAYMENT_STATES))
    ).all()
    if any(p.status == "authorized" for p in open_payments):
        raise Conflict("plan_payment_in_progress")
    for payment in open_payments:
        move(session, payment, "cancelled", principal.label)
    pending.status, pending.cancelled_at, pending.updated_at = "cancelled", utcnow(), utcnow()
    session.add(pending)
    audit.record(session, "plan.cancel", actor=principal, meta=meta, target_type="subscription", target_id=pending.id)
    return pending


def verify(
    session: Session,
    principal: Principal | None,
    meta: RequestMeta | None,
    order_id: str,
    payment_id: str,
    signature: str,
) -> VerifyResult:
    """Check Checkout's signature against the order id WE stored, then move the payment forward.

    A bad signature changes nothing but the audit log (the caller commits that and answers 400).
    `principal` is None for Checkout's redirect POST, which carries no session: the signature is the proof.
    """
    limit("verify", principal, meta)
    payment = session.exec(select(Payment).where(Payment.razorpay_order_id == order_id)).first()
    if payment is None or (principal is not None and principal.id != payment.payer_id):
        raise NotFound("payment_not_found")
    if not gateway.checkout_signature_valid(payment.razorpay_order_id or "", payment_id, signature):
        audit.record(
            session,
            "payment.verify",
            actor=principal,
            meta=meta,
            target_type="payment",
            target_id=payment.receipt,
            outcome="failure",
            details={"reason": "signature_mismatch"},
        )
        return VerifyResult(False, payment.receipt, payment.status)
    session.commit()  # nothing of ours is held while Razorpay answers
    try:
        entity = gateway.call(gateway.client().payment.fetch, payment_id)
    except gateway.ProviderError:
        entity = {"id": payment_id, "status": "authorized"}  # the signature alone proves authorisation
    if entity.get("order_id") not in (None, payment.razorpay_order_id):
        raise Conflict("payment_order_mismatch")
    payment = locked(session, id=payment.id)
    payment.razorpay_signature = signature
    apply_provider_payment(session, payment, entity, "checkout")
    session.add(payment)
    return VerifyResult(True, payment.receipt, payment.status)


def note_failed_attempt(session: Session, order_id: str) -> str | None:
    """Checkout reported a failure (unsigned, so only a hint): mark the attempt, keep the order payable."""
    payment = locked(session, razorpay_order_id=order_id)
    if payment is None:
        return None
    if payment.status == "created":
        payment.status = "attempted"
        session.add(payment)
    return payment.receipt


def is_paid(payment: Payment) -> bool:
    return payment.status in PAID_STATES


def resume(session: Session, principal: Principal, receipt: str) -> CheckoutStart:
    """Open Checkout again for the payer's own unpaid payment (same Razorpay order, no new one)."""
    payment = session.exec(select(Payment).where(Payment.receipt == receipt, Payment.payer_id == principal.id)).first()
    if payment is None:
        raise NotFound("payment_not_found")
    if payment.status not in PENDING_STATES and payment.status != "failed":
        raise Conflict("payment_not_payable", status=payment.status)
    ensure_still_wanted(session, payment)
    return checkout_for(payment)


def ensure_still_wanted(session: Session, payment: Payment) -> None:
    """Checkout, a link or a QR only for a sale that still wants the money: an order still payable, a plan
    still pending."""
    if payment.market_order_id:
        order = session.get(MarketOrder, payment.market_order_id)
        if order is None or not order_payable(order):
            raise Conflict("order_not_payable", status=order.status if order else "missing")
    if payment.subscription_id:
        plan = session.get(Subscription, payment.subscription_id)
        if plan is None or plan.status != "pending":
            raise Conflict("payment_not_payable", status=plan.status if plan else "missing")
