"""Every report against known rows, on SQLite and PostgreSQL: the sums equal the orders and payments they come
from, the mandi comparison uses the sale day's modal price, and nobody reads a report that is not theirs."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment
from kisaan_app.services.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.reports.buckets import Period
from kisaan_app.services.reports.farmer import farmer_report
from kisaan_app.services.reports.fpo import fpo_report
from kisaan_app.services.reports.market import market_report
from kisaan_app.services.reports.platform import platform_report
from tests.reports import known_data
from tests.reports.known_data import MONTH, SALE_DAY, principal


@pytest.fixture
def world(db):
    return known_data.build()


def test_my_farm_sums_equal_the_orders_and_payments(world):
    with session_scope() as s:
        report = farmer_report(s, principal(world.farmer))
        by = {(r.month, r.crop): r for r in report.by_month_crop}
        assert by[(MONTH, "Onion")].amount_paise == 2_000_000 + 1_050_000
        assert by[(MONTH, "Onion")].quintals == pytest.approx(15.0)  # 10 q + 500 kg
        assert by[(MONTH, "Onion")].refunded_paise == 100_000
        assert by[(MONTH, "Tomato")].quintals == pytest.approx(12.0)  # 1 tonne + 2 q
        assert dict(report.income_by_month)[MONTH] == 4_750_000
        assert len(report.income_by_month) == 12  # every month shown, empty ones as zero
        # The same total straight from the orders table.
        sold = s.exec(
            select(sa.func.sum(col(MarketOrder.amount_paise) - col(MarketOrder.refunded_paise))).where(
                MarketOrder.farmer_id == world.farmer.id, col(MarketOrder.paid_at).is_not(None)
            )
        ).one()
        assert sum(v for _, v in report.income_by_month) == sold
        prices = {(p.day, p.crop): p for p in report.prices}
        onion = prices[(SALE_DAY, "Onion")]
        assert onion.realised_paise_per_quintal == round(3_050_000 / 15)
        assert onion.mandi_modal_paise_per_quintal == 200_000  # (1,800 + 2,200) / 2 rupees that day
        assert prices[(SALE_DAY, "Tomato")].mandi_modal_paise_per_quintal is None
        f = report.funnel
        assert (f.listings, f.offers, f.orders, f.paid, f.cancelled) == (2, 2, 6, 4, 1)
        received = s.exec(
            select(sa.func.sum(col(Payment.amount_paise) - col(Payment.amount_refunded_paise)))
            .join(MarketOrder, col(MarketOrder.id) == col(Payment.market_order_id))
            .where(MarketOrder.farmer_id == world.farmer.id, col(Payment.status) != "failed")
        ).one()
        assert report.money.received_paise == received == 4_450_000
        assert report.money.pending_paise == 500_000
        assert report.money.refunded_paise == 100_000
        assert report.plan.status == "none"


def test_fpo_report_counts_only_its_own_fpo(world):
    with session_scope() as s:
        r = fpo_report(s, principal(world.org_admin_a))
        assert r.organization_id == world.org_a
        assert {v.key: v.amount_paise for v in r.by_crop} == {"Onion": 3_050_000, "Tomato": 1_800_000}
        assert [(v.key, v.amount_paise) for v in r.by_member] == [("राम पाटील", 4_850_000)]
        assert sum(v.amount_paise for v in r.by_month) == 4_850_000  # FPO B's ₹99,999 is not here
        assert (r.members.total, r.members.farmers, r.members.pending_requests) == (2, 1, 1)
        assert r.members.profile_incomplete == 0
        assert (r.funnel.orders, r.funnel.paid, r.funnel.cancelled) == (6, 4, 1)
        assert r.cancellation_rate == pytest.approx(16.7)
        rec = r.reconciliation
        assert rec.orders == 6 and rec.order_amount_paise == 4_850_000 and rec.captured_paise == 4_550_000
        assert rec.refunded_paise == 100_000 and rec.flagged_count == 2 and not rec.balanced
        assert sorted(f for row in rec.flagged for f in row.flags) == ["no_provider_id", "paid_without_capture"]
        reach = {c.channel: c for c in r.reach}
        assert (reach["sms"].total, reach["sms"].delivered, reach["sms"].failed) == (3, 1, 1)
        assert reach["sms"].delivery_rate == 50.0 and reach["email"].delivery_rate == 100.0
        assert reach["in_app"].read_rate == 100.0
        assert [(v.village, v.reports, v.open, v.red) for v in r.crop_health] == [("Pimpalgaon", 2, 1, 1)]
        prices = {p.crop: p for p in r.prices}
        assert prices["Onion"].mandi_modal_paise_per_quintal == 200_000
        assert prices["Onion"].gap_percent == pytest.approx(1.7)


def test_platform_measures_against_targets(world):
    with session_scope() as s:
        r = platform_report(s, principal(world.admin))
        assert r.gmv_paise == 4_850_000 + 9_999_900 and r.orders_paid == 5
        m = {x.key: x for x in r.measures}
        assert m["payment_success"].value == 80.0 and m["payment_success"].met is False  # 4 of 5, target 95 %
        assert m["refund_rate"].value == pytest.approx(0.7) and m["refund_rate"].met is True
        assert m["sms_delivery"].value == pytest.approx(33.3)
        assert m["email_delivery"].value == 100.0 and m["email_delivery"].met is True
        assert m["push_delivery"].value is None and m["push_delivery"].met is None  # nothing sent: no figure


def test_market_trend_volatility_season_and_spread(world):
    this_year = date(SALE_DAY.year, SALE_DAY.month, 1)
    last_year = date(SALE_DAY.year - 1, SALE_DAY.month, 1)
    known_data.mandi_series("Wheat", "Pune", [(this_year, 100_000), (this_year, 300_000), (last_year, 150_000)])
    with session_scope() as s:
        r = market_report(s, principal(world.farmer), "wheat", "pune")
        month = next(m for m in r.months if m.month == MONTH)
        assert (month.reports, month.markets, month.modal_paise) == (2, 2, 200_000)
        assert month.volatility_percent == 50.0  # σ = 100,000 on a mean of 200,000
        assert month.last_year_modal_paise == 150_000 and month.change_on_last_year_percent == pytest.approx(33.3)
        onion = market_report(s, principal(world.farmer), "Onion", "Nashik")
        spread = next(x for x in onion.spread if x.month == MONTH)
        # The whole marketplace (both FPOs' onion sold in Nashik): 16 quintals for ₹1,30,499.
        assert spread.mandi_paise == 200_000 and spread.ours_paise == round((3_050_000 + 9_999_900) / 16)
        assert spread.quintals == 16.0 and spread.spread_percent == pytest.approx(307.8)


def test_nobody_reads_a_report_that_is_not_theirs(world):
    with session_scope() as s:
        with pytest.raises(NotFound):  # another FPO's admin learns nothing
            fpo_report(s, principal(world.org_admin_a), world.org_b)
        with pytest.raises(PermissionDenied):
            fpo_report(s, principal(world.farmer), world.org_a)
        with pytest.raises(PermissionDenied):
            farmer_report(s, principal(world.org_admin_a))
        with pytest.raises(PermissionDenied):
            platform_report(s, principal(world.org_admin_a))
        with pytest.raises(AuthenticationFailed):
            market_report(s, None, "Onion")
        with pytest.raises(NotFound):  # a platform admin names the FPO
            fpo_report(s, principal(world.admin))
        assert fpo_report(s, principal(world.admin), world.org_b).by_crop[0].amount_paise == 9_999_900
        other = farmer_report(s, principal(world.other_farmer))
        assert sum(v for _, v in other.income_by_month) == 9_999_900  # only their own sale


def test_a_period_is_bounded():
    with pytest.raises(ValidationFailed):
        Period.last_months(0)
    with pytest.raises(ValidationFailed):
        Period.last_months(37)
    p = Period.last_months(14, today=date(2026, 2, 10))
    assert p.start == date(2025, 1, 1) and p.months()[0] == "2025-01" and p.months()[-1] == "2026-02"
