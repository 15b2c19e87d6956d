"""The farmer's live dashboard: mandi prices and trend, weather alerts, crop-health reports, the inbox.

`load` rebuilds everything from the database (first visit, reconnect, lost server state); `apply` folds
live events in without a reload.
"""

import logging
from dataclasses import dataclass, replace
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import local_day, local_time
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.realtime.payloads import CropHealthUpdate, PriceTick, WeatherUpdate
from kisaan_app.services import glossary, inbox
from kisaan_app.services.accounts import onboarding, profiles
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.state.dashboard_rows import (
    AlertRow,
    InboxRow,
    OnboardingLink,
    PriceRow,
    ReportRow,
    TrendPoint,
    alert_order,
    board_row,
    inbox_row,
    live_alert_until,
    live_price_row,
    price_order,
)
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.options import Option
from kisaan_app.state.session import SessionState

log = logging.getLogger(__name__)

ISSUE_TYPES = ("pest", "disease", "water_stress", "nutrient", "other")
REPORT_FORM = {"crop": 60, "issue_type": 20, "note": 1000, "severity": 10}
# Inputs with an element id also arrive under that id (state/guard.py check_form).
REPORT_FORM |= {"report_crop": "crop", "report_issue": "issue_type", "report_note": "note"}


class DashboardState(SessionState):
    live_topics: ClassVar[tuple[str, ...]] = ("price", "weather", "crop_health", "notification")
    live_roles: ClassVar[tuple[str, ...]] = (Role.FARMER,)

    my_crops: list[str] = []
    my_district: str = ""
    my_state: str = ""
    prices: list[PriceRow] = []
    selected_crop: str = ""
    trend: list[TrendPoint] = []
    alerts: list[AlertRow] = []
    reports: list[ReportRow] = []
    inbox_items: list[InboxRow] = []
    onboarding_title: str = ""  # "Get started: 2 of 4 done"; empty once every step is done
    onboarding_percent: int = 0
    onboarding_todo: list[OnboardingLink] = []
    load_error: str = ""
    loaded: bool = False
    report_error: str = ""
    report_message: str = ""
    live_ticks: int = 0  # how many live updates this screen has taken in
    last_event_ms: int = 0  # when the newest applied event was published (epoch ms): "updated …", and bench/

    @rx.var
    def issue_types(self) -> list[list[str]]:
        return [[code, self._tr(f"crop_issue.{code}")] for code in ISSUE_TYPES]

    @rx.var
    def crop_choices(self) -> list[Option]:
        """The farmer's crops: pickers send the glossary key (id) and show the name in the reader's language."""
        return [Option(crop, glossary.label("crop", crop, self.lang)) for crop in self.my_crops]

    # A background event: a crowd of farmers opening the app at once queues for the database, and a normal
    # handler would hold its tab's state lock all that time (in Redis mode the lock expires after 10 s and
    # the tab's state is lost: bench/fanout.py saw half the tabs never get a live price). Here the state is
    # locked only to show the result.
    @guarded(error=None, background=True)
    async def load(self, principal: Principal):
        if principal.role != Role.FARMER:
            return
        try:
            view = await off_loop(_dashboard, principal, self.selected_crop, self.lang)
        except Exception:  # noqa: BLE001 - show a retry, never a half-drawn dashboard
            log.exception("farmer dashboard for user %s could not load", principal.id)
            async with self:
                self.load_error, self.loaded = self._tr("dashboard.load_failed"), True
            return
        async with self:
            self.my_crops, self.my_district, self.my_state = view.crops, view.district, view.state
            self.selected_crop, self.prices, self.trend = view.selected_crop, view.prices, view.trend
            self.alerts, self.reports = view.alerts, view.reports
            self._show_inbox(view.inbox)
            self._show_onboarding(view.onboarding)
            self.unread_count, self.load_error, self.loaded = view.unread, "", True

    def _show_onboarding(self, checklist: onboarding.OnboardingChecklist) -> None:
        done, total = checklist.done_count, checklist.total
        self.onboarding_title = (
            "" if checklist.complete else self._tr("getting_started.progress", done=str(done), total=str(total))
        )
        self.onboarding_percent = round(100 * done / total) if total else 100
        self.onboarding_todo = [OnboardingLink(s.key, s.href) for s in checklist.steps if not s.done]

    def _show_inbox(self, items: list[inbox.InboxItem]) -> None:
        self.inbox_items = [inbox_row(i, self.lang) for i in items]

    # ------------------------------------------------------------ live events

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """Fold live events into what is on screen (state/live.py calls this inside modify_state)."""
        crops = {c.lower() for c in self.my_crops}
        trend_moved = None  # the newest tick of the crop whose trend is on screen
        for event in events:
            data = event.data
            if isinstance(data, PriceTick) and data.commodity.lower() in crops:
                self._apply_price(data, event.payload)
                if data.commodity.lower() == self.selected_crop.lower():
                    trend_moved = event.id or trend_moved
            elif isinstance(data, WeatherUpdate):
                self._apply_alert(data)
            elif isinstance(data, CropHealthUpdate) and data.farmer_id == self.user_id:
                self._prepend_report(data)
        if trend_moved is not None:
            points = await _trend_after(trend_moved, self.selected_crop, self.my_district, self.my_state, self.lang)
            if points != getattr(self.trend, "__wrapped__", self.trend):
                self.trend = points  # only a changed chart goes into the delta: it is most of its bytes
        if any(e.topic == "notification" for e in events):
            items = await off_loop(_recent_inbox, self.user_id)
            self._show_inbox(items)
        self.live_ticks += 1
        self.last_event_ms = max(int(e.created_at.timestamp() * 1000) for e in events)

    def _apply_price(self, tick: PriceTick, wire: dict) -> None:
        row = live_price_row(wire, self.lang)
        # The plain list under Reflex's change-tracking proxy: iterating the proxy wraps every row, and this
        # runs once per connected farmer per tick. Assigning a new list below still marks `prices` dirty.
        current = getattr(self.prices, "__wrapped__", self.prices)
        rows = [row if r.key == row.key else r for r in current]
        if not any(r.key == row.key for r in current):
            if tick.district.lower() != self.my_district.lower() and tick.state != self.my_state:
                return  # a market far away that the dashboard did not show
            crops = [c.lower() for c in self.my_crops]
            rows = sorted([*rows, row], key=lambda r: price_order(r, self.my_district, crops))  # as the load sorts
        self.prices = rows

    def _apply_alert(self, alert: WeatherUpdate) -> None:
        if alert.cancelled:
            self.alerts = [a for a in self.alerts if a.id != alert.id]
            return
        fresh = AlertRow(
            id=alert.id,
            severity=alert.severity or "yellow",
            title=alert.title or "",
            message=alert.message or "",
            until=live_alert_until(alert.valid_until, self.lang),
            fresh=True,
        )
        others = [replace(a, fresh=False) for a in self.alerts if a.id != fresh.id]
        self.alerts = sorted([fresh, *others], key=alert_order)

    def _prepend_report(self, p: CropHealthUpdate) -> None:
        report = ReportRow(
            id=p.id,
            crop=glossary.label("crop", p.crop, self.lang),
            issue=self._tr(f"crop_issue.{p.issue_type}"),
            severity=p.severity,
            note=p.note or "",
            when=self._tr("dashboard.just_now"),
            source=p.source,
        )
        self.reports = [report, *[r for r in self.reports if r.id != report.id]][:10]

    # ------------------------------------------------------------ actions

    @guarded(Role.FARMER, error=None)
    async def select_crop(self, principal: Principal, crop: str | list[str]):
        chosen = crop if isinstance(crop, str) else (crop[0] if crop else "")
        if chosen not in self.my_crops:
            return  # only the farmer's own crops are on the picker
        self.selected_crop = chosen
        self.trend = await off_loop(_trend, chosen, self.my_district, self.my_state, self.lang)

    @guarded(Role.FARMER, error="report_error", clear=("report_message",), form=REPORT_FORM)
    async def submit_report(self, principal: Principal, form: dict):
        await off_loop(_report, principal, self._meta(), form)
        # Only a member's FPO hears of it (services/crop_health.py): never promise a farmer without one.
        self.report_message = self._tr(
            "dashboard.report_sent" if principal.organization_id else "dashboard.report_saved"
        )

    @guarded(Role.FARMER, error="report_error", clear=("report_message",))
    async def close_report(self, principal: Principal, report_id: str):
        """The farmer marks their case solved; whoever was helping hears of it (services/crop_cases.py)."""
        from kisaan_app.services.parsing import ident

        case_id = ident(report_id, "case_not_found")
        await off_loop(_close_case, principal, self._meta(), case_id)
        self.reports = [replace(r, status="resolved") if r.id == case_id else r for r in self.reports]

    @guarded(error=None)
    async def mark_read(self, principal: Principal, notification_id: str):
        from kisaan_app.services.parsing import ident

        items, self.unread_count = await off_loop(_mark_read, principal, ident(notification_id))
        self._show_inbox(items)

    @guarded(error=None)
    async def mark_all_read(self, principal: Principal):
        items, self.unread_count = await off_loop(_mark_read, principal, None)
        self._show_inbox(items)


def _close_case(principal: Principal, meta, case_id: int) -> None:
    from kisaan_app.services import crop_cases

    with session_scope() as session:
        crop_cases.close(session, principal, meta, case_id)


@dataclass(frozen=True)
class DashboardView:
    crops: list[str]
    district: str
    state: str
    selected_crop: str
    prices: list[PriceRow]
    trend: list[TrendPoint]
    alerts: list[AlertRow]
    reports: list[ReportRow]
    inbox: list[inbox.InboxItem]
    unread: int
    onboarding: onboarding.OnboardingChecklist


def _dashboard(principal: Principal, selected_crop: str, lang: str) -> DashboardView:
    """Everything the dashboard shows, read in one session in a worker thread."""
    from kisaan_app.services import crop_health
    from kisaan_app.services.feeds import price_board as prices
    from kisaan_app.services.feeds import weather

    with session_scope() as session:
        view = profiles.get_profile(session, principal)
        crops, district, state = view.crops, view.district or "", view.state or ""
        if selected_crop not in crops:
            selected_crop = crops[0] if crops else ""
        near = prices.latest_prices(session, crops, district or None, state or None)
        price_rows = [board_row(r, lang) for r in near]
        alerts = (
            [
                AlertRow(a.id, a.severity, *weather.text_for(a, lang), local_time(a.valid_until, lang))
                for a in weather.active_alerts(session, district)
            ]
            if district
            else []
        )
        reports = [
            ReportRow(
                id=r.id,
                crop=glossary.label("crop", r.crop, lang),
                issue=t(lang, f"crop_issue.{r.issue_type}"),
                severity=r.severity,
                note=r.note or "",
                when=local_time(r.created_at, lang),
                source=r.source,
                status=r.status,
                advice=r.advice or "",
            )
            for r in crop_health.recent_reports(session, principal, limit=10)
        ]
        items, unread = inbox.recent(session, principal.id, limit=20), inbox.unread_count(session, principal.id)
        steps = onboarding.checklist(session, principal.id)
    trend = _trend(selected_crop, district, state, lang)
    return DashboardView(
        crops, district, state, selected_crop, price_rows, trend, alerts, reports, items, unread, steps
    )


def _trend(crop: str, district: str, state: str, lang: str) -> list[TrendPoint]:
    from kisaan_app.services.feeds import price_board as prices

    if not crop:
        return []
    with session_scope() as session:
        points = prices.price_trend(session, crop, district or None, state or None, days=30)
    return [TrendPoint(date=local_day(p.date, lang), modal=round(p.modal_rupees)) for p in points]


def _report(principal: Principal, meta: RequestMeta, form: dict[str, str]) -> None:
    from kisaan_app.services import crop_health

    with session_scope() as session:
        crop_health.report_issue(
            session,
            principal,
            meta,
            crop=form.get("crop", ""),
            issue_type=form.get("issue_type", ""),
            note=form.get("note", ""),
            severity=form.get("severity") or "yellow",
        )


def _mark_read(principal: Principal, notification_id: int | None) -> tuple[list[inbox.InboxItem], int]:
    with session_scope() as session:
        if notification_id is None:
            inbox.mark_read(session, principal)
        else:
            inbox.mark_read(session, principal, notification_id)
        return inbox.recent(session, principal.id, limit=20), inbox.unread_count(session, principal.id)


def _recent_inbox(user_id: int) -> list[inbox.InboxItem]:
    with session_scope() as session:
        return inbox.recent(session, user_id, limit=20)


# (crop, district, state, newest tick id) -> trend points: a tick reaches every farmer growing that crop, and
# farmers of one district share one trend, so the process reads it once per tick, not once per farmer.
_trends: dict[tuple, list[TrendPoint]] = {}


async def _trend_after(tick_id: int, crop: str, district: str, state: str, lang: str) -> list[TrendPoint]:
    key = (crop.lower(), district.lower(), state.lower(), tick_id, lang)
    points = _trends.get(key)
    if points is None:
        points = await off_loop(_trend, crop, district, state, lang)
        if len(_trends) > 256:
            _trends.clear()
        _trends[key] = points
    return list(points)  # the points are frozen: every farmer's state may share them
