"""A payment's states move only forward, whoever reports them (webhook, checkout callback, reconciliation).

Events arrive out of order and more than once, so every report is "bring our row up to at least this state":
a late `payment.authorized` after `payment.captured` changes nothing; `failed` can never undo a success.
The side effects of money arriving (order paid, plan active, both sides told) happen once, on the move
into `captured`, in the same transaction.
"""

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import OrderStatus, PaymentStatus, RefundStatus, SubscriptionStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund, Subscription
from kisaan_app.realtime.events import managers_target, send_on_commit, user_target
from kisaan_app.realtime.payloads import PaymentChange
from kisaan_app.services import audit

# failed ranks with attempted: a later attempt on the same order may still succeed. cancelled too: money
# may still arrive for a cancelled order's payment, and must then be recorded (and given back).
RANK = {
    PaymentStatus.CREATED: 0,
    PaymentStatus.ATTEMPTED: 1,
    PaymentStatus.FAILED: 1,
    PaymentStatus.CANCELLED: 1,
    PaymentStatus.AUTHORIZED: 2,
    PaymentStatus.CAPTURED: 3,
    PaymentStatus.PARTIALLY_REFUNDED: 4,
    PaymentStatus.REFUNDED: 5,
}
PAID_STATES = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
PENDING_STATES = (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED)
# What Razorpay's payment entity status means for our row (refunds arrive as refund events of their own).
PROVIDER_STATUS = {
    "created": PaymentStatus.ATTEMPTED,
    "authorized": PaymentStatus.AUTHORIZED,
    "captured": PaymentStatus.CAPTURED,
    "refunded": PaymentStatus.CAPTURED,
    "failed": PaymentStatus.FAILED,
}
PLAN_LENGTH = {"monthly": timedelta(days=30), "yearly": timedelta(days=365)}


def can_move(current: str, new: str) -> bool:
    if new == current:
        return False
    if new in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        return current in PENDING_STATES
    return RANK[new] > RANK[current]


def write_lock(session: Session) -> None:
    """SQLite has no row locks, and its driver runs reads outside a transaction until the first write; a no-op
    UPDATE takes the database's write lock, so the reads that follow are current and stay so until commit."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE payment SET id = id WHERE 0"))


def lock_order(session: Session, order_id: int) -> MarketOrder | None:
    write_lock(session)
    query = select(MarketOrder).where(MarketOrder.id == order_id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def locked(session: Session, **where) -> Payment | None:
    """The payment row — and its order first, if it has one — locked until commit, so a webhook, a checkout
    callback, a refund and the hold release for the same sale apply one after the other, each seeing the
    other's result. Always order before payment: every path takes them in that order, so none deadlocks.
    """
    write_lock(session)
    peek = session.exec(select(Payment.id, Payment.market_order_id).filter_by(**where)).first()
    if peek is None:
        return None
    if peek.market_order_id:
        lock_order(session, peek.market_order_id)
    query = select(Payment).where(Payment.id == peek.id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def _another_open(session: Session, payment: Payment) -> bool:
    link = {"market_order_id": payment.market_order_id} if payment.market_order_id else None
    link = link or ({"subscription_id": payment.subscription_id} if payment.subscription_id else None)
    if link is None:
        return False
    query = (
        select(Payment.id)
        .filter_by(**link)
        .where(Payment.id != payment.id, Payment.status.in_(PENDING_STATES + (PaymentStatus.AUTHORIZED,)))
    )
    return session.exec(query).first() is not None


def settled_its_sale(session: Session, payment: Payment) -> bool:
    """Did this payment's capture pay its order or plan? Not if that capture is being given back."""
    from kisaan_app.models.payments import AutoRefund

    attempt = payment.razorpay_payment_id
    query = select(AutoRefund.id).where(AutoRefund.razorpay_payment_id == attempt)
    return bool(attempt) and session.exec(query).first() is None


def amount_mismatch(payment: Payment, entity: dict) -> str | None:
    """What the provider says was paid must be what we asked for; None when it is (or it says nothing)."""
    amount, currency = entity.get("amount"), entity.get("currency")
    if amount is not None and int(amount) != payment.amount_paise:
        return f"amount {amount} != {payment.amount_paise}"
    if currency is not None and str(currency) != payment.currency:
        return f"currency {currency} != {payment.currency}"
    return None


def _record_mismatch(session: Session, payment: Payment, entity: dict, problem: str, source: str) -> None:
    """Never settle on a figure we did not ask for: record it and put it in front of an admin."""
    from kisaan_app.services.payments.auto_refunds import alert_admins

    payment.notes = {**payment.notes, "mismatch": problem, "mismatch_attempt": str(entity.get("id") or "")}
    session.add(payment)
    audit.record(
        session,
        "payment.mismatch",
        actor_label=source,
        outcome="failure",
        target_type="payment",
        target_id=payment.receipt,
        organization_id=payment.organization_id,
        details={"problem": problem, "attempt": entity.get("id")},
    )
    dedupe = f"payment:{payment.id}:mismatch:{entity.get('id')}"
    alert_admins(session, "payments.mismatch", payment, dedupe, problem=problem)


def apply_provider_payment(session: Session, payment: Payment, entity: dict, source: str) -> bool:
    """Bring `payment` forward to what Razorpay reports about one payment attempt; True if anything changed."""
    new = PROVIDER_STATUS.get(str(entity.get("status")))
    if new is None:
        return False
    attempt_id = entity.get("id")
    if new in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED):
        problem = amount_mismatch(payment, entity)
        if problem:
            _record_mismatch(session, payment, entity, problem, source)
            return False
    if (
        new == PaymentStatus.CAPTURED
        and payment.status in PAID_STATES
        and attempt_id
        and attempt_id != payment.razorpay_payment_id
    ):
        # A second attempt on the same order also took money (checkout in two tabs, a link and a QR...).
        from kisaan_app.services.payments.auto_refunds import give_back

        give_back(session, payment, attempt_id, int(entity.get("amount") or payment.amount_paise), "duplicate_capture")
        return True
    if (
        new == PaymentStatus.AUTHORIZED
        and payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED)
        and _another_open(session, payment)
    ):
        # A late retry on a payment already given up, while a newer one is open for the same sale: it must not
        # reopen (two open payments for one order). If it is captured, that capture is given back.
        return False
    if not can_move(payment.status, new):
        return False
    if attempt_id and new != PaymentStatus.FAILED:
        payment.razorpay_payment_id = attempt_id
    if entity.get("method"):
        payment.method = str(entity["method"])[:20]
    if new == PaymentStatus.FAILED:
        payment.failure_code = str(entity.get("error_code") or "payment_failed")[:60]
        payment.failure_reason = str(entity.get("error_description") or "")[:300] or None
    move(session, payment, new, source)
    return True


def move(session: Session, payment: Payment, new: str, source: str) -> None:
    """Change the status (forward only) and run what that step means."""
    if not can_move(payment.status, new):
        return
    now = utcnow()
    was = payment.status
    payment.status = new
    payment.updated_at = now
    if new in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED) and payment.authorized_at is None:
        payment.authorized_at = now
    if new == PaymentStatus.CAPTURED:
        payment.captured_at = now
        payment.failure_code = payment.failure_reason = None
        _settle(session, payment)
    session.add(payment)
    audit.record(
        session,
        f"payment.{new}",
        actor_label=source,
        target_type="payment",
        target_id=payment.receipt,
        organization_id=payment.organization_id,
        details={"from": was, "amount_paise": payment.amount_paise},
    )
    announce(session, payment)


def announce(session: Session, payment: Payment) -> None:
    """Tell the payer's (and for an order, the farmer's) open screens; they reload the row from the database."""
    payload = PaymentChange(
        receipt=payment.receipt, status=payment.status, refunded_paise=payment.amount_refunded_paise or 0
    )
    for user_id in _parties(session, payment):
        send_on_commit(session, user_target(user_id), payload)
    if payment.organization_id:
        send_on_commit(session, managers_target(payment.organization_id), payload)


def _parties(session: Session, payment: Payment) -> list[int]:
    parties = [payment.payer_id]
    if payment.market_order_id:
        order = session.get(MarketOrder, payment.market_order_id)
        if order and order.farmer_id not in parties:
            parties.append(order.farmer_id)
    return parties


def _settle(session: Session, payment: Payment) -> None:
    """Money arrived: pay the order or start the plan — or, if the sale no longer wants it, give it back."""
    from kisaan_app.services.payments.auto_refunds import give_back

    now = utcnow()
    if payment.market_order_id:
        order = lock_order(session, payment.market_order_id)  # re-read under lock: the hold may have just expired
        if order and order.status != OrderStatus.PENDING_PAYMENT:
            reason = (
                "order_cancelled"
                if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
                else "duplicate_capture"
            )
            give_back(session, payment, payment.razorpay_payment_id or "", payment.amount_paise, reason)
            return
        if order:
            order.status, order.paid_at, order.updated_at = OrderStatus.PAID, now, now
            session.add(order)
            from kisaan_app.services.market.orders import announce as announce_order

            announce_order(session, order, "order_paid")
            from kisaan_app.services.payouts.ledger import open_for

            open_for(session, payment, order)  # the seller's share, transferred on hold after commit
            farmer = session.get(User, order.farmer_id)
            if farmer:
                payer = session.get(User, payment.payer_id)
                words = {"order": order.order_number, "payer": payer.full_name if payer else ""}
                _tell(session, farmer, "payments.order_paid", payment, **words)
    if payment.subscription_id:
        plan = session.get(Subscription, payment.subscription_id)
        if plan is None or plan.status != SubscriptionStatus.PENDING or _other_active_plan(session, plan):
            give_back(session, payment, payment.razorpay_payment_id or "", payment.amount_paise, "plan_superseded")
            return
        if plan:
            plan.status, plan.starts_at = SubscriptionStatus.ACTIVE, now
            plan.renews_at = now + PLAN_LENGTH[plan.plan]
            plan.updated_at = now
            session.add(plan)
    payer = session.get(User, payment.payer_id)
    if payer:
        _tell(session, payer, "payments.paid", payment)


def _other_active_plan(session: Session, plan: Subscription) -> bool:
    query = select(Subscription.id).where(
        Subscription.user_id == plan.user_id,
        Subscription.status == SubscriptionStatus.ACTIVE,
        Subscription.id != plan.id,
    )
    return session.exec(query).first() is not None


def _tell(session: Session, user: User, event: str, payment: Payment, **words) -> None:
    """On the person's own channels, once per payment and event (a webhook and a reconciliation both get here)."""
    from kisaan_app.services.notifications.events import tell

    words = {"amount": rupees(payment.amount_paise).lstrip("₹"), "receipt": payment.receipt, **words}
    url = f"/payments/view?receipt={payment.receipt}"
    tell(session, event, user, f"payment:{payment.id}:{event}", words, url=url)


def _tell_refund(session: Session, payment: Payment, refunded_now: int) -> None:
    """The payer hears of each new refunded total once (the farmer's notice: refund_notice.py)."""
    from kisaan_app.services.notifications.events import tell

    words = {
        "amount": rupees(refunded_now).lstrip("₹"),
        "total": rupees(payment.amount_refunded_paise or 0).lstrip("₹"),
        "receipt": payment.receipt,
    }
    key = f"payment:{payment.id}:refunded:{payment.amount_refunded_paise}"
    url = f"/payments/view?receipt={payment.receipt}"
    tell(session, "payments.refunded", payment.payer_id, key, words, url=url)


def refunded_total(session: Session, payment: Payment) -> int:
    """Paise Razorpay accepted to give back (pending + processed); failed refunds give the money back. A refund
    we have reserved but Razorpay has not answered yet (no refund id) is not counted: it may still fail."""
    query = select(Refund).where(
        Refund.payment_id == payment.id,
        Refund.status != RefundStatus.FAILED,
        col(Refund.razorpay_refund_id).is_not(None),
    )
    return sum(r.amount_paise for r in session.exec(query).all())


def promised_total(session: Session, payment: Payment) -> int:
    """What is refunded plus what is being asked of Razorpay right now: the figure a new refund must fit under,
    so two admins refunding the last rupee at once cannot both be given it."""
    rows = session.exec(
        select(Refund).where(Refund.payment_id == payment.id, Refund.status != RefundStatus.FAILED)
    ).all()
    return sum(r.amount_paise for r in rows)


def recount_refunds(session: Session, payment: Payment, source: str) -> None:
    """Keep amount_refunded and the refunded states in step with the Refund rows.

    The one step back we allow: a refund that failed never moved money, so its payment returns to the state
    the remaining refunds justify (captured or partially refunded)."""
    total = refunded_total(session, payment)
    before = payment.amount_refunded_paise or 0
    payment.amount_refunded_paise = total
    if total > before:
        _tell_refund(session, payment, total - before)
    justified = (
        PaymentStatus.REFUNDED
        if total >= payment.amount_paise
        else PaymentStatus.PARTIALLY_REFUNDED
        if total
        else PaymentStatus.CAPTURED
    )
    if RANK[justified] < RANK[payment.status] and payment.status in PAID_STATES:
        audit.record(
            session,
            f"payment.{justified}",
            actor_label=source,
            target_type="payment",
            target_id=payment.receipt,
            organization_id=payment.organization_id,
            details={"from": payment.status, "reason": "refund_failed"},
        )
        payment.status = justified
    if can_move(payment.status, justified):
        move(session, payment, justified, source)
    else:
        session.add(payment)
        announce(session, payment)
    _sync_order(session, payment, source)
    from kisaan_app.services.payouts.ledger import on_refund_changed

    on_refund_changed(session, payment)  # the seller's share follows the refund (reversed once it is processed)


def _sync_order(session: Session, payment: Payment, source: str) -> None:
    """A refund changes the sale: partial refunds show on the order; a full one ends it — cancelled with the
    quantity back on sale before dispatch, refunded after (the produce has left the farm); a failed refund that
    had ended it brings it back (failed_refunds)."""
    from kisaan_app.services.market.orders import announce as announce_order
    from kisaan_app.services.market.orders import give_back_quantity

    if not payment.market_order_id or payment.status not in PAID_STATES or not settled_its_sale(session, payment):
        return  # a capture being given back never paid the order: its refund does not end the sale
    order = lock_order(session, payment.market_order_id)
    if order is None or order.status == OrderStatus.PENDING_PAYMENT:
        return
    from kisaan_app.services.payments.failed_refunds import ended_by_refund, restore_sale

    if ended_by_refund(order, payment):
        restore_sale(session, payment, order, source)  # the refund that ended the sale failed: money still held
        return
    if order.status == OrderStatus.CANCELLED:
        return  # money for a cancelled order: the sale already ended
    refunded_now = payment.amount_refunded_paise - order.refunded_paise
    order.refunded_paise, order.updated_at = payment.amount_refunded_paise, utcnow()
    if refunded_now > 0:
        from kisaan_app.services.payments.refund_notice import tell_farmer

        tell_farmer(session, order, refunded_now)
    if payment.amount_refunded_paise >= payment.amount_paise and order.status != OrderStatus.REFUNDED:
        was = order.status
        order.status = OrderStatus.CANCELLED if was == OrderStatus.PAID else OrderStatus.REFUNDED
        if was == OrderStatus.PAID:
            give_back_quantity(session, order)
        audit.record(
            session,
            f"order.{order.status}",
            actor_label=source,
            target_type="market_order",
            target_id=order.order_number,
            organization_id=order.organization_id,
            details={"from": was, "reason": "refunded"},
        )
        session.add(order)
        announce_order(session, order, f"order_{order.status}")
        return
    session.add(order)
    announce_order(session, order, "order_refund")
