"""/admin/reports/custom: build a report (measure, up to two dimensions, crop/district filters, period), see it
as a chart and a table, save it, have it emailed, run or delete a saved one. Every figure comes from
services/custom_reports (the same calls as /api/reports/custom); this class only copies results into vars."""

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.services.context import Principal
from kisaan_app.services.custom_reports import engine, present, saved, spec
from kisaan_app.services.errors import ErrorCode, ValidationFailed
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

REPORT_FORM = {
    "measure": 40,
    "dimension_1": 40,
    "dimension_2": 40,
    "period": 20,
    "date_from": 10,
    "date_to": 10,
    "crops": 2000,
    "districts": 2000,
    "report_measure": "measure",  # the selects' element ids (guard.check_form)
    "report_dimension_1": "dimension_1",
    "report_dimension_2": "dimension_2",
    "report_period": "period",
}
SAVE_FORM = {"name": 400, "schedule": 10, "report_schedule": "schedule"}


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: float
    shown: str  # the value as the reader reads it (₹2,45,000)


@dataclass(frozen=True)
class SavedRow:
    id: int
    name: str
    measure: str  # catalogue keys: the page words them in the reader's current language
    dimensions: list[str]
    period: str
    schedule: str


@dataclass(frozen=True)
class Shown:
    title: str
    period: str
    total: str
    rows: list[ChartRow]
    truncated: bool


def _listed(values: str) -> list[str]:
    return [v.strip() for v in values.split(",") if v.strip()]


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(ErrorCode.DATE_INVALID, field=field) from None


def _spec(form: dict) -> spec.ReportSpec:
    filters = {"crop": _listed(form.get("crops", "")), "district": _listed(form.get("districts", ""))}
    return spec.checked(
        form.get("measure", ""),
        [d for d in (form.get("dimension_1", ""), form.get("dimension_2", "")) if d],
        {k: v for k, v in filters.items() if v},
        form.get("period", "last_30_days"),
        _day(form.get("date_from", ""), "date_from"),
        _day(form.get("date_to", ""), "date_to"),
    )


def _shown(result: engine.ReportResult, lang: str) -> Shown:
    rows = [
        ChartRow(
            present.row_label(result, r.labels, lang) or present.title(result, lang),
            float(r.value) / 100 if result.kind == "money" else float(r.value),  # the chart's axis in rupees
            present.value_text(result.kind, r.value, lang),
        )
        for r in result.rows
    ]
    if not rows and result.total:  # no dimension: one bar, the total
        value = float(result.total) / 100 if result.kind == "money" else float(result.total)
        rows = [ChartRow(present.title(result, lang), value, present.value_text(result.kind, result.total, lang))]
    return Shown(
        present.title(result, lang),
        present.period_text(result, lang),
        present.value_text(result.kind, result.total, lang),
        rows,
        result.truncated,
    )


def _saved_rows(principal: Principal) -> list[SavedRow]:
    with session_scope() as session:
        return [
            SavedRow(r.id or 0, r.name, r.measure, list(r.dimensions), r.period, r.schedule)
            for r in saved.listed(session, principal)
        ]


def _preview(principal: Principal, wanted: spec.ReportSpec, lang: str) -> Shown:
    with session_scope() as session:
        return _shown(engine.run(session, principal, wanted), lang)


def _save(principal: Principal, name: str, wanted: spec.ReportSpec, schedule: str) -> list[SavedRow]:
    with session_scope() as session:
        saved.save(session, principal, name, wanted, schedule)
    return _saved_rows(principal)


def _run_saved(principal: Principal, report_id: int, lang: str) -> tuple[str, Shown]:
    with session_scope() as session:
        report, result = saved.run(session, principal, report_id)
        return report.name, _shown(result, lang)


def _delete(principal: Principal, report_id: int) -> list[SavedRow]:
    with session_scope() as session:
        saved.delete(session, principal, report_id)
    return _saved_rows(principal)


class CustomReportsState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.ADMIN, Role.ORG_ADMIN)
    reports: list[SavedRow] = []
    rows: list[ChartRow] = []
    title: str = ""
    period_label: str = ""
    total: str = ""
    truncated: bool = False
    shown_name: str = ""
    previewed: bool = False
    period: str = "last_30_days"
    saved_ok: bool = False
    error: str = ""
    field_errors: dict[str, str] = {}
    save_errors: dict[str, str] = {}
    # The last previewed spec, kept server-side: Save stores exactly what the chart showed.
    _last_spec: spec.ReportSpec | None = None

    @staticmethod
    def _fetch(principal: Principal, ask: object) -> list[SavedRow]:
        return _saved_rows(principal)  # keys only: the page words them in the reader's language

    def _show(self, result: list[SavedRow]) -> None:
        self.reports = result

    def _display(self, shown: Shown, name: str = "") -> None:
        self.title, self.period_label, self.total = shown.title, shown.period, shown.total
        self.rows, self.truncated, self.shown_name, self.previewed = shown.rows, shown.truncated, name, True

    @guarded()
    async def load(self, principal: Principal):
        self.saved_ok = False
        await self._reload(principal)

    def set_period(self, period: str):
        """Whether the form shows the two day boxes: touches no data."""
        self.period = period if period in spec.PERIODS else "last_30_days"

    @guarded(error=None, fields="field_errors", form=REPORT_FORM)
    async def preview(self, principal: Principal, form: dict):
        self.saved_ok = False
        wanted = _spec(form)
        self._display(await off_loop(_preview, principal, wanted, self.lang))
        self._last_spec = wanted

    @guarded(error=None, fields="save_errors", form=SAVE_FORM)
    async def save(self, principal: Principal, form: dict):
        self.saved_ok = False
        if self._last_spec is None:
            raise ValidationFailed(ErrorCode.CUSTOM_REPORT_MEASURE_UNKNOWN, field="name")
        wanted = self._last_spec
        name, schedule = form.get("name", ""), form.get("schedule", "none")
        self.reports = await off_loop(_save, principal, name, wanted, schedule)
        self.saved_ok = True

    @guarded()
    async def open_saved(self, principal: Principal, report_id: int):
        name, shown = await off_loop(_run_saved, principal, int(report_id), self.lang)
        self._display(shown, name)

    @guarded()
    async def delete_saved(self, principal: Principal, report_id: int):
        self.reports = await off_loop(_delete, principal, int(report_id))
