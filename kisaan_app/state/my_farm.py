"""/my-farm: a farmer's own sales, income, prices against the mandi, funnel, money and plan (services/reports)."""

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import local_day
from kisaan_app.models.enums import Role
from kisaan_app.services.context import Principal
from kisaan_app.services.reports.farmer import FarmerReport, farmer_report
from kisaan_app.state.guard import guarded
from kisaan_app.state.report_rows import chart_rupees, crop_label, money, month_label
from kisaan_app.state.session import SessionState


@dataclass(frozen=True)
class SaleRow:
    month: str
    crop: str
    orders: int
    quintals: str
    income: str


@dataclass(frozen=True)
class PricePointRow:
    crop: str
    day: str
    realised: float | None  # rupees per quintal
    mandi: float | None


class MyFarmState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.FARMER,)
    income_chart: list[dict[str, str | float]] = []
    price_points: list[PricePointRow] = []
    price_crops: list[str] = []
    price_crop: str = ""  # one crop at a time: prices of different crops on one line would mean nothing
    funnel_chart: list[dict[str, str | int]] = []
    sales: list[SaleRow] = []
    received: str = ""
    pending: str = ""
    refunded: str = ""
    plan_status: str = "none"
    plan_name: str = ""
    has_sales: bool = False
    has_prices: bool = False
    loaded: bool = False
    error: str = ""

    def _ask(self) -> str:
        return self.lang

    @staticmethod
    def _fetch(principal: Principal, ask: str) -> tuple[FarmerReport, str]:
        with session_scope() as session:
            return farmer_report(session, principal), ask

    def _show(self, result: tuple[FarmerReport, str]) -> None:
        report, lang = result
        self.income_chart = [
            {"month": month_label(m, lang), "income": chart_rupees(v) or 0.0} for m, v in report.income_by_month
        ]
        self.price_points = [
            PricePointRow(
                crop_label(p.crop, lang),
                local_day(p.day, lang),
                chart_rupees(p.realised_paise_per_quintal),
                chart_rupees(p.mandi_modal_paise_per_quintal),
            )
            for p in report.prices
        ]
        # The crops with a mandi price to compare come first; then the most sold.
        counts: dict[str, int] = {}
        for point in self.price_points:
            counts[point.crop] = counts.get(point.crop, 0) + (100 if point.mandi is not None else 1)
        self.price_crops = sorted(counts, key=lambda c: -counts[c])
        if self.price_crop not in counts:
            self.price_crop = self.price_crops[0] if self.price_crops else ""
        f = report.funnel
        self.funnel_chart = [
            {"stage": t(lang, f"reports.funnel.{k}"), "count": v}
            for k, v in (("listings", f.listings), ("offers", f.offers), ("orders", f.orders), ("paid", f.paid))
        ]
        self.sales = [
            SaleRow(
                month_label(r.month, lang), crop_label(r.crop, lang), r.orders, f"{r.quintals:g}", money(r.income_paise)
            )
            for r in reversed(report.by_month_crop)
        ]
        self.received, self.pending = money(report.money.received_paise), money(report.money.pending_paise)
        self.refunded = money(report.money.refunded_paise)
        self.plan_status, self.plan_name = str(report.plan.status), report.plan.plan or ""
        self.has_sales, self.has_prices = bool(report.by_month_crop), bool(report.prices)
        self.loaded = True

    @rx.var
    def price_chart(self) -> list[dict[str, str | float | None]]:
        return [
            {"day": p.day, "realised": p.realised, "mandi": p.mandi}
            for p in self.price_points
            if p.crop == self.price_crop
        ]

    def set_price_crop(self, crop: str):
        """Which crop the price chart shows (rows already on screen; no data is read)."""
        self.price_crop = str(crop)[:80]

    @guarded()
    async def load(self, principal: Principal):
        await self._reload(principal)
