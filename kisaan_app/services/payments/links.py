"""Paying in person or by SMS: a Razorpay payment link, or a single-use, fixed-amount UPI QR code.

Both hang off an existing Payment (same amount, same receipt), so however the buyer pays, the one row moves.
"""

import io
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from urllib.parse import urlencode

import segno
from sqlmodel import Session, col, select

from kisaan_app import jobs
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.market import QRSession
from kisaan_app.models.payments import Payment
from kisaan_app.services import audit
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import Conflict, NotFound, ValidationFailed
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import PENDING_STATES, apply_provider_payment, locked
from kisaan_app.settings import get_settings

LINK_WAIT_SECONDS = 15  # how long a second request waits for the first one's payment link to be recorded
LINK_NOTE = "link_requested_at"  # in Payment.notes while a request is asking Razorpay for the link


def _may_act_for(session: Session, principal: Principal, payment: Payment | None) -> bool:
    """The payer, their FPO admin, an admin — or, for a marketplace order, the seller's side (farm-gate QR)."""
    if payment is None:
        return False
    if (
        payment.payer_id == principal.id
        or (principal.role == Role.ORG_ADMIN and payment.organization_id == principal.organization_id)
        or principal.role == Role.ADMIN
    ):
        return True
    if payment.market_order_id:
        from kisaan_app.models.market import Listing, MarketOrder
        from kisaan_app.services.market.listings import can_manage

        order = session.get(MarketOrder, payment.market_order_id)
        listing = session.get(Listing, order.listing_id) if order else None
        return listing is not None and can_manage(principal, listing)
    return False


def payable(session: Session, principal: Principal, razorpay_order_id: str) -> Payment:
    """The caller's own unpaid payment (an org admin may act for their organisation's buyers)."""
    payment = locked(session, razorpay_order_id=razorpay_order_id)
    if not _may_act_for(session, principal, payment):
        raise NotFound("payment_not_found")
    if payment.status not in PENDING_STATES:
        raise Conflict("payment_not_payable", status=payment.status)
    from kisaan_app.services.payments.checkout import ensure_still_wanted

    ensure_still_wanted(session, payment)
    return payment


def create_link(session: Session, principal: Principal, meta: RequestMeta | None, razorpay_order_id: str) -> Payment:
    """A payment link for the same amount (sent by SMS by Razorpay when the payer has a phone number).

    Reserve, call, record: with the payment locked we check it and note that a link is being made, and commit;
    Razorpay is asked with no lock held; its answer is recorded in a short transaction of its own (on failure
    the note is cleared, so the next click starts afresh). A second request meanwhile waits for the first."""
    payment = payable(session, principal, razorpay_order_id)
    if payment.payment_link_id:
        return payment
    if _link_in_flight(payment):
        return _wait_for_link(session, payment.id)
    request = _link_request(session, payment)
    payment.notes = {**payment.notes, LINK_NOTE: utcnow().isoformat()}
    session.add(payment)
    payment_id = payment.id
    session.commit()
    try:
        link = gateway.call(gateway.client().payment_link.create, request)
    except gateway.ProviderError:
        session.rollback()
        payment = locked(session, id=payment_id)
        payment.notes = {k: v for k, v in payment.notes.items() if k != LINK_NOTE}
        session.add(payment)
        session.commit()
        raise
    payment = locked(session, id=payment_id)
    payment.payment_link_id, payment.payment_link_url = link["id"], link["short_url"]
    payment.notes = {k: v for k, v in payment.notes.items() if k != LINK_NOTE}
    session.add(payment)
    audit.record(
        session,
        "payment.link_create",
        actor=principal,
        meta=meta,
        target_type="payment",
        target_id=payment.receipt,
        details={"link_id": link["id"]},
    )
    close_if_cancelled(session, payment)
    return payment


def _link_in_flight(payment: Payment) -> bool:
    """Another request is asking Razorpay for this payment's link right now (a note younger than its call's
    timeout; an older one was left by a request that died, and is ignored)."""
    started = payment.notes.get(LINK_NOTE)
    if not started:
        return False
    age = utcnow() - datetime.fromisoformat(str(started))
    return age < timedelta(seconds=gateway.TIMEOUT_SECONDS + 2)


def _link_request(session: Session, payment: Payment) -> dict:
    settings = get_settings()
    payer = session.get(User, payment.payer_id)
    customer = {k: v for k, v in {"name": payer.full_name, "contact": payer.phone, "email": payer.email}.items() if v}
    expire_by = int((utcnow() + timedelta(hours=settings.payment_link_expiry_hours)).timestamp())
    return {
        "amount": payment.amount_paise,
        "currency": "INR",
        "accept_partial": False,
        "description": str(payment.notes.get("description") or payment.receipt)[:2048],
        "reference_id": payment.receipt,
        "customer": customer,
        "notify": {"sms": bool(payer.phone), "email": False},
        "reminder_enable": True,
        "callback_url": f"{settings.public_url}/api/payment/callback",
        "callback_method": "get",
        "expire_by": expire_by,
        "notes": {"receipt": payment.receipt},
    }


def _wait_for_link(session: Session, payment_id: int) -> Payment:
    """Wait (no lock held) for the concurrent request's link to be recorded, and return it."""
    session.commit()
    deadline = time.monotonic() + LINK_WAIT_SECONDS
    while True:
        time.sleep(0.1)
        payment = session.get(Payment, payment_id, populate_existing=True)
        session.commit()  # end the read: nothing is held while we wait
        if payment is not None and payment.payment_link_id:
            return payment
        if payment is None or not _link_in_flight(payment) or time.monotonic() > deadline:
            raise Conflict("payment_starting")


def close_if_cancelled(session: Session, payment: Payment) -> None:
    """Its order was cancelled while Razorpay was making the link or QR: after commit, the job that closes a
    cancelled payment's instruments closes this one too (no buyer may pay into a sale that is gone)."""
    if payment.status == "cancelled":
        jobs.enqueue_on_commit(session, "payments.close_instruments", payment.id)


def link_callback(session: Session, params: dict[str, str]) -> Payment:
    """Razorpay sends the payer back here after a link payment; the signature proves the outcome."""
    link_id = params.get("razorpay_payment_link_id", "")
    payment = locked(session, payment_link_id=link_id) if link_id else None
    if payment is None:
        raise NotFound("payment_not_found")
    ok = gateway.link_signature_valid(
        link_id,
        params.get("razorpay_payment_link_reference_id", ""),
        params.get("razorpay_payment_link_status", ""),
        params.get("razorpay_payment_id", ""),
        params.get("razorpay_signature"),
    )
    if not ok or params.get("razorpay_payment_link_reference_id") != payment.receipt:
        raise ValidationFailed("payment_signature_invalid", field="razorpay_signature")
    if params.get("razorpay_payment_link_status") == "paid":
        entity = {"id": params["razorpay_payment_id"], "status": "captured"}
        apply_provider_payment(session, payment, entity, "payment-link-callback")
    return payment


def upi_payload(qr_id: str, amount_paise: int, note: str) -> str:
    """The upi:// intent a UPI app reads from the code (NPCI's deep-link format)."""
    settings = get_settings()
    query = {
        "pa": settings.upi_vpa,
        "pn": "Kisaansay",
        "tr": qr_id,
        "am": f"{amount_paise / 100:.2f}",
        "cu": "INR",
        "tn": note[:50],
    }
    return "upi://pay?" + urlencode(query)


def create_qr(session: Session, principal: Principal, meta: RequestMeta | None, razorpay_order_id: str) -> QRSession:
    """A single-use QR for exactly this amount; an open one for the payment is reused until it expires.

    As with links: checked under lock and committed, Razorpay asked with no lock held, the answer recorded in
    a short transaction. Two requests racing may both make a QR: both are recorded (each can be paid, and is
    closed with its payment), never one left untracked at Razorpay."""
    payment = payable(session, principal, razorpay_order_id)
    current = _current_qr(session, payment.id)
    if current:
        return current
    close_by = utcnow() + timedelta(minutes=get_settings().upi_qr_expiry_minutes)
    note = str(payment.notes.get("description") or payment.receipt)
    payment_id, amount, receipt = payment.id, payment.amount_paise, payment.receipt
    session.commit()
    qr = gateway.call(
        gateway.client().qrcode.create,
        {
            "type": "upi_qr",
            "name": "Kisaansay",
            "usage": "single_use",
            "fixed_amount": True,
            "payment_amount": amount,
            "description": note[:100],
            "close_by": int(close_by.timestamp()),
            "notes": {"receipt": receipt},
        },
    )
    payment = locked(session, id=payment_id)
    qr_session = QRSession(
        payment_id=payment_id,
        razorpay_qr_id=qr["id"],
        amount_paise=amount,
        upi_payload=upi_payload(qr["id"], amount, note),
        image_url=qr.get("image_url"),
        close_by=close_by,
        created_by_id=principal.id,
    )
    session.add(qr_session)
    audit.record(
        session,
        "payment.qr_create",
        actor=principal,
        meta=meta,
        target_type="payment",
        target_id=receipt,
        details={"qr_id": qr["id"]},
    )
    session.flush()
    close_if_cancelled(session, payment)
    return qr_session


def _current_qr(session: Session, payment_id: int) -> QRSession | None:
    query = select(QRSession).where(
        QRSession.payment_id == payment_id, QRSession.status == "active", col(QRSession.close_by) > utcnow()
    )
    return session.exec(query).first()


def open_qr(session: Session, receipt: str) -> QRSession | None:
    """The payment's QR code still waiting to be scanned, if any (a page shows it again after a reload)."""
    query = (
        select(QRSession)
        .join(Payment, col(Payment.id) == QRSession.payment_id)
        .where(Payment.receipt == receipt, QRSession.status == "active", col(QRSession.close_by) > utcnow())
    )
    return session.exec(query.order_by(col(QRSession.id).desc())).first()


def qr_for_viewer(session: Session, principal: Principal, qr_id: str) -> QRSession:
    qr = session.exec(select(QRSession).where(QRSession.razorpay_qr_id == qr_id)).first()
    if qr is None or not _may_act_for(session, principal, session.get(Payment, qr.payment_id)):
        raise NotFound("payment_not_found")
    return qr


def close_open_qrs(session_scope: Callable[[], AbstractContextManager[Session]], payment_id: int) -> int:
    """Close the payment's still-open QR codes at Razorpay (it was paid some other way). Each close is a
    provider call between short transactions, never inside one."""
    with session_scope() as session:
        qr_ids = session.exec(
            select(QRSession.razorpay_qr_id).where(QRSession.payment_id == payment_id, QRSession.status == "active")
        ).all()
    closed = 0
    for qr_id in qr_ids:
        gateway.call(gateway.client().qrcode.close, qr_id)
        with session_scope() as session:
            row = session.exec(select(QRSession).where(QRSession.razorpay_qr_id == qr_id).with_for_update()).first()
            if row is not None and row.status == "active":
                row.status, row.closed_at, row.updated_at = "closed", utcnow(), utcnow()
                session.add(row)
                closed += 1
    return closed


def qr_png(payload: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg_data_uri(payload: str, scale: int = 6) -> str:
    return segno.make(payload, error="m").svg_data_uri(scale=scale, border=2)
