"""Telling a farmer their sale was (partly) refunded: in the inbox and on the channels they chose (push, SMS,
email), through notify(), in their language. Called inside the transaction that records the refund on the order,
so the delivery rows exist before any provider is called and vanish with a rollback."""

from sqlmodel import Session

from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.accounts import User
from kisaan_app.models.market import MarketOrder


def tell_farmer(session: Session, order: MarketOrder, refunded_now: int) -> None:
    """One notice per new refunded total of the order: a webhook and the admin's answer recording the same
    refund (in either order) reach the same key, so the farmer hears of it once."""
    from kisaan_app.services.notifications.audience import Audience
    from kisaan_app.services.notifications.dispatch import notify

    farmer = session.get(User, order.farmer_id)
    if farmer is None or not farmer.is_active or refunded_now <= 0:
        return
    lang = farmer.preferred_language
    words = {
        "order": order.order_number,
        "amount": rupees(refunded_now),
        "total": rupees(order.refunded_paise),
        "paid": rupees(order.amount_paise),
    }
    notify(
        session,
        None,  # the system tells the order's own farmer; no sender's reach to check
        Audience(user_ids=(farmer.id,), role=""),
        "payments",
        subject=t(lang, "payments.farmer_refund.title", **words),
        text=t(lang, "payments.farmer_refund.body", **words),
        idempotency_key=f"order-refund:{order.id}:{order.refunded_paise}",
        url="/orders",
    )
