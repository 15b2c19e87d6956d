"""The platform at a glance for its admins: GMV, payment success, refunds, message delivery and webhook errors,
each against the target the project set (targets are named constants, so a change is one reviewed line)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session, col

from kisaan_app.models.enums import PaymentStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import Payment, WebhookEvent
from kisaan_app.services.context import Principal
from kisaan_app.services.reports.buckets import Period, month_of, rate, run
from kisaan_app.services.reports.reach import ChannelReach, channel_reach
from kisaan_app.services.reports.sales import SOLD
from kisaan_app.services.reports.scope import platform_scope

# The seed's targets (percent). "above": the figure must exceed it; "below": stay under it.
PAYMENT_SUCCESS_TARGET = 95.0
SMS_DELIVERY_TARGET = 98.0
EMAIL_DELIVERY_TARGET = 99.0
PUSH_DELIVERY_TARGET = 95.0
REFUND_RATE_CEILING = 5.0
WEBHOOK_ERROR_CEILING = 1.0

_CAPTURED = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class Measure:
    key: str  # payment_success | refund_rate | sms_delivery | email_delivery | push_delivery | webhook_errors
    value: float | None  # percent; None when there was nothing to measure
    target: float
    above: bool  # True: good when value > target; False: good when value <= target
    count: int  # the denominator, so a reader knows how much the figure rests on

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value > self.target if self.above else self.value <= self.target


@dataclass(frozen=True)
class PlatformReport:
    period: Period
    gmv_paise: int
    orders_paid: int
    gmv_by_month: list[tuple[str, int]]
    measures: list[Measure]
    reach: list[ChannelReach]


def platform_report(session: Session, principal: Principal | None, period: Period | None = None) -> PlatformReport:
    platform_scope(principal)
    period = period or Period.last_months()
    month = month_of(session, col(MarketOrder.paid_at))
    by_month = dict.fromkeys(period.months(), 0)
    orders_paid = 0
    for m, n, amount in run(
        session,
        select(month, sa.func.count(), sa.func.sum(MarketOrder.amount_paise))
        .where(SOLD, col(MarketOrder.paid_at) >= period.since, col(MarketOrder.paid_at) < period.until)
        .group_by(month),
    ):
        by_month[m] = int(amount or 0)
        orders_paid += int(n)
    gmv = sum(by_month.values())

    status = col(Payment.status)
    in_period = (col(Payment.created_at) >= period.since, col(Payment.created_at) < period.until)
    captured, failed, captured_paise, refunded_paise = run(
        session,
        select(
            sa.func.sum(sa.case((status.in_(_CAPTURED), 1), else_=0)),
            sa.func.sum(sa.case((status == PaymentStatus.FAILED, 1), else_=0)),
            sa.func.sum(sa.case((status.in_(_CAPTURED), Payment.amount_paise), else_=0)),
            sa.func.sum(sa.case((status.in_(_CAPTURED), Payment.amount_refunded_paise), else_=0)),
        ).where(*in_period),
    ).one()
    captured, failed = int(captured or 0), int(failed or 0)
    captured_paise, refunded_paise = int(captured_paise or 0), int(refunded_paise or 0)
    webhooks, webhook_errors = run(
        session,
        select(sa.func.count(), sa.func.count(col(WebhookEvent.error))).where(
            col(WebhookEvent.created_at) >= period.since, col(WebhookEvent.created_at) < period.until
        ),
    ).one()
    reach = channel_reach(
        session,
        col(NotificationHistory.created_at) >= period.since,
        col(NotificationHistory.created_at) < period.until,
    )
    by_channel = {r.channel: r for r in reach}

    def delivery(channel: str, target: float) -> Measure:
        r = by_channel.get(channel)
        return Measure(
            f"{channel}_delivery", r.delivery_rate if r else None, target, True, (r.delivered + r.failed) if r else 0
        )

    measures = [
        Measure("payment_success", rate(captured, captured + failed), PAYMENT_SUCCESS_TARGET, True, captured + failed),
        Measure("refund_rate", rate(refunded_paise, captured_paise), REFUND_RATE_CEILING, False, captured),
        delivery("sms", SMS_DELIVERY_TARGET),
        delivery("email", EMAIL_DELIVERY_TARGET),
        delivery("push", PUSH_DELIVERY_TARGET),
        Measure(
            "webhook_errors", rate(int(webhook_errors), int(webhooks)), WEBHOOK_ERROR_CEILING, False, int(webhooks)
        ),
    ]
    return PlatformReport(period, gmv, orders_paid, list(by_month.items()), measures, reach)
