"""/markets: mandi trends, swings, the same month last year and our marketplace's spread, for one crop and
(optionally) one district. Anyone signed in may read these public figures."""

from dataclasses import dataclass

from kisaan_app.db import session_scope
from kisaan_app.services.context import Principal
from kisaan_app.services.reports.market import MarketReport, crops_reported, market_report
from kisaan_app.state.guard import guarded
from kisaan_app.state.report_rows import chart_rupees, crop_label, money, month_label, percent
from kisaan_app.state.session import SessionState

MARKET_FORM = {"crop": 80, "district": 80, "market_crop": "crop"}  # the select's element id (guard.check_form)


@dataclass(frozen=True)
class MonthRow:
    month: str
    reports: int
    markets: int
    modal: str
    last_year: str
    change: str
    volatility: str
    ours: str
    spread: str


class MarketsState(SessionState):
    crops: list[list[str]] = []  # [stored name, label in the reader's language]
    crop: str = ""
    district: str = ""
    trend_chart: list[dict[str, str | float | None]] = []
    volatility_chart: list[dict[str, str | float | None]] = []
    spread_chart: list[dict[str, str | float | None]] = []
    rows: list[MonthRow] = []
    has_data: bool = False
    loaded: bool = False
    error: str = ""

    def _ask(self) -> tuple[str, str, str]:
        return self.crop, self.district, self.lang

    @staticmethod
    def _fetch(principal: Principal, ask: tuple[str, str, str]) -> tuple[list[str], MarketReport | None, str]:
        crop, district, lang = ask
        with session_scope() as session:
            crops = crops_reported(session, principal)
            crop = crop or (crops[0] if crops else "")
            report = market_report(session, principal, crop, district or None) if crop else None
            return crops, report, lang

    def _show(self, result: tuple[list[str], MarketReport | None, str]) -> None:
        crops, report, lang = result
        self.crops = [[c, crop_label(c, lang)] for c in crops]
        self.loaded = True
        if report is None:
            self.has_data = False
            return
        self.crop = report.crop
        self.trend_chart = [
            {
                "month": month_label(m.month, lang),
                "modal": chart_rupees(m.modal_paise),
                "last_year": chart_rupees(m.last_year_modal_paise),
            }
            for m in report.months
        ]
        self.volatility_chart = [
            {"month": month_label(m.month, lang), "cv": m.volatility_percent} for m in report.months
        ]
        self.spread_chart = [
            {
                "month": month_label(s.month, lang),
                "ours": chart_rupees(s.ours_paise),
                "mandi": chart_rupees(s.mandi_paise),
            }
            for s in report.spread
        ]
        self.rows = [
            MonthRow(
                month_label(m.month, lang),
                m.reports,
                m.markets,
                money(m.modal_paise),
                money(m.last_year_modal_paise),
                percent(m.change_on_last_year_percent),
                percent(m.volatility_percent),
                money(s.ours_paise),
                percent(s.spread_percent),
            )
            for m, s in reversed(list(zip(report.months, report.spread, strict=True)))
            if m.reports or s.ours_paise
        ]
        self.has_data = any(m.reports for m in report.months)

    @guarded()
    async def load(self, principal: Principal):
        await self._reload(principal)

    def set_crop_choice(self, crop: str):
        """The picker's shown value (touches no data; "Show" reads the figures)."""
        self.crop = str(crop)[:80]

    @guarded(form=MARKET_FORM)
    async def choose(self, principal: Principal, form: dict):
        self.crop, self.district = form.get("crop", "").strip(), form.get("district", "").strip()
        await self._reload(principal)
