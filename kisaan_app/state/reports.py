"""/admin/reports: an FPO's report for its org admin (a platform admin picks the FPO) and, for platform admins,
the platform's measures against their targets. Figures come from services/reports, fetched off the event loop."""

from dataclasses import dataclass
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.models.enums import Role
from kisaan_app.services.accounts import directory
from kisaan_app.services.context import Principal
from kisaan_app.services.reports.fpo import FpoReport, fpo_report
from kisaan_app.services.reports.platform import PlatformReport, platform_report
from kisaan_app.state.guard import guarded
from kisaan_app.state.report_rows import chart_rupees, crop_label, money, month_label, percent
from kisaan_app.state.session import ADMIN_ROLES, SessionState


@dataclass(frozen=True)
class VolumeRow:
    key: str
    orders: int
    quintals: str
    amount: str


@dataclass(frozen=True)
class PriceRow:
    crop: str
    realised: str
    mandi: str
    gap: str


@dataclass(frozen=True)
class FlaggedRow:
    order_number: str
    status: str
    amount: str
    captured: str
    refunded: str
    flags: str


@dataclass(frozen=True)
class ReachRow:
    channel: str
    total: int
    delivery_rate: str
    read_rate: str
    failed: int


@dataclass(frozen=True)
class VillageRow:
    village: str
    reports: int
    open: int
    red: int


@dataclass(frozen=True)
class MeasureRow:
    key: str
    value: str
    target: str
    measured: bool  # false: nothing to measure yet (no payments, no messages)
    met: bool


@dataclass(frozen=True)
class Loaded:
    organizations: list[list[str]]
    organization_id: int
    fpo: FpoReport | None
    platform: PlatformReport | None
    lang: str


class ReportsState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    organizations: list[list[str]] = []
    report_org: str = ""  # the FPO shown (SessionState.organization_id is the reader's own)
    fpo_name: str = ""
    has_fpo: bool = False
    members: dict[str, str] = {}
    joined_chart: list[dict[str, str | int]] = []
    sales_chart: list[dict[str, str | float]] = []
    funnel_chart: list[dict[str, str | int]] = []
    cancellation_rate: str = ""
    by_crop: list[VolumeRow] = []
    by_member: list[VolumeRow] = []
    prices: list[PriceRow] = []
    price_chart: list[dict[str, str | float | None]] = []
    recon: dict[str, str] = {}
    balanced: bool = True
    flagged: list[FlaggedRow] = []
    reach: list[ReachRow] = []
    reach_chart: list[dict[str, str | float | None]] = []
    villages: list[VillageRow] = []
    has_platform: bool = False
    gmv: str = ""
    orders_paid: int = 0
    gmv_chart: list[dict[str, str | float]] = []
    measures: list[MeasureRow] = []
    loaded: bool = False
    error: str = ""

    def _ask(self) -> tuple[int | None, str]:
        return (int(self.report_org) if self.report_org.isdigit() else None), self.lang

    @staticmethod
    def _fetch(principal: Principal, ask: tuple[int | None, str]) -> Loaded:
        wanted, lang = ask
        with session_scope() as session:
            orgs = [[str(o.id), o.name] for o in directory.organizations(session, principal)]
            if principal.role == Role.ORG_ADMIN:
                org_id = principal.organization_id or 0
            else:
                known = {int(i) for i, _ in orgs}
                org_id = wanted if wanted in known else (int(orgs[0][0]) if orgs else 0)
            fpo = fpo_report(session, principal, org_id) if org_id else None
            platform = platform_report(session, principal) if principal.role == Role.ADMIN else None
            return Loaded(orgs, org_id, fpo, platform, lang)

    def _show(self, result: Loaded) -> None:
        self.organizations, self.report_org = result.organizations, str(result.organization_id or "")
        self.has_fpo = result.fpo is not None
        if result.fpo is not None:
            self._show_fpo(result.fpo, result.lang)
        self.has_platform = result.platform is not None
        if result.platform is not None:
            self._show_platform(result.platform, result.lang)
        self.loaded = True

    def _show_fpo(self, r: FpoReport, lang: str) -> None:
        self.fpo_name = r.organization_name
        m = r.members
        self.members = {
            "total": str(m.total),
            "active": str(m.active),
            "farmers": str(m.farmers),
            "pending": str(m.pending_requests),
            "incomplete": str(m.profile_incomplete),
        }
        self.joined_chart = [{"month": month_label(k, lang), "joined": n} for k, n in m.joined_by_month]
        self.sales_chart = [
            {"month": month_label(v.key, lang), "amount": chart_rupees(v.amount_paise) or 0.0} for v in r.by_month
        ]
        f = r.funnel
        self.funnel_chart = [
            {"stage": t(lang, f"reports.funnel.{k}"), "count": v}
            for k, v in (
                ("listings", f.listings),
                ("offers", f.offers),
                ("orders", f.orders),
                ("paid", f.paid),
                ("cancelled", f.cancelled),
                ("refunded", r.refunded_orders),
            )
        ]
        self.cancellation_rate = percent(r.cancellation_rate)
        self.by_crop = [
            VolumeRow(crop_label(v.key, lang), v.orders, f"{round(v.quintals, 2):g}", money(v.amount_paise))
            for v in r.by_crop
        ]
        self.by_member = [
            VolumeRow(v.key, v.orders, f"{round(v.quintals, 2):g}", money(v.amount_paise)) for v in r.by_member
        ]
        self.prices = [
            PriceRow(
                crop_label(p.crop, lang),
                money(p.realised_paise_per_quintal),
                money(p.mandi_modal_paise_per_quintal),
                percent(p.gap_percent),
            )
            for p in r.prices
        ]
        self.price_chart = [
            {
                "crop": crop_label(p.crop, lang),
                "realised": chart_rupees(p.realised_paise_per_quintal),
                "mandi": chart_rupees(p.mandi_modal_paise_per_quintal),
            }
            for p in r.prices
        ]
        rec = r.reconciliation
        self.recon = {
            "orders": str(rec.orders),
            "paid": money(rec.order_amount_paise),
            "captured": money(rec.captured_paise),
            "refunded": money(rec.refunded_paise),
            "pending": money(rec.pending_refund_paise),
            "flagged": str(rec.flagged_count),
        }
        self.balanced = rec.balanced
        self.flagged = [
            FlaggedRow(
                x.order_number,
                t(lang, f"order_status.{x.status}"),
                money(x.amount_paise),
                money(x.captured_paise),
                money(x.refunded_paise),
                ", ".join(t(lang, f"reports.flag.{name}") for name in x.flags),
            )
            for x in rec.flagged
        ]
        self.reach = [
            ReachRow(t(lang, f"channel.{c.channel}"), c.total, percent(c.delivery_rate), percent(c.read_rate), c.failed)
            for c in r.reach
        ]
        self.reach_chart = [
            {"channel": t(lang, f"channel.{c.channel}"), "delivered": c.delivery_rate, "read": c.read_rate}
            for c in r.reach
        ]
        self.villages = [VillageRow(v.village or "—", v.reports, v.open, v.red) for v in r.crop_health]

    def _show_platform(self, p: PlatformReport, lang: str) -> None:
        self.gmv, self.orders_paid = money(p.gmv_paise), p.orders_paid
        self.gmv_chart = [{"month": month_label(k, lang), "amount": chart_rupees(v) or 0.0} for k, v in p.gmv_by_month]
        self.measures = [
            MeasureRow(
                m.key,
                percent(m.value),
                ("> " if m.above else "≤ ") + percent(m.target),
                m.met is not None,
                bool(m.met),
            )
            for m in p.measures
        ]

    @guarded()
    async def load(self, principal: Principal):
        await self._reload(principal)

    @guarded(Role.ADMIN)
    async def pick_organization(self, principal: Principal, value: str):
        """A platform admin picks which FPO to read (the service re-checks; an unknown id falls back)."""
        self.report_org = str(value)[:12]
        await self._reload(principal)
