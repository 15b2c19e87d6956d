"""Custom reports: the whitelist, a preview, saved reports (list, save, run, schedule, delete).

Admins and org admins only (an org admin: their FPO's sales and their FPO's saved reports; another FPO's report
is 404). Measures, dimensions and filters are names from GET /api/reports/custom/catalogue; anything else is a
422 with a clear message, never SQL.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.ids import MAX_ROW_ID
from kisaan_app.models.reports import REPORT_SCHEDULES, SavedReport
from kisaan_app.services.custom_reports import catalogue, engine, saved, spec

router = APIRouter(prefix="/api/reports/custom", tags=["reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# Generous enough that the service, not the parser, refuses a long list, in the reader's words.
Values = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=1000)]


class SpecIn(BaseModel):
    measure: str = Field(max_length=40)
    dimensions: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=10)
    filters: dict[Annotated[str, Field(max_length=40)], Values] = Field(default={}, max_length=10)
    period: str = Field(default="last_30_days", max_length=20)
    date_from: date | None = None
    date_to: date | None = None

    def checked(self) -> spec.ReportSpec:
        return spec.checked(self.measure, self.dimensions, self.filters, self.period, self.date_from, self.date_to)


class SaveIn(SpecIn):
    name: str = Field(max_length=400)
    schedule: str = Field(default="none", max_length=10)


class ScheduleIn(BaseModel):
    schedule: str = Field(max_length=10)


class RowOut(BaseModel):
    labels: list[str]
    value: float | int


class ResultOut(BaseModel):
    measure: str
    kind: str
    dimensions: list[str]
    date_from: date
    date_to: date
    rows: list[RowOut]
    total: float | int
    truncated: bool


class SavedOut(BaseModel):
    id: int
    name: str
    measure: str
    dimensions: list[str]
    filters: dict[str, list[str]]
    period: str
    date_from: date | None
    date_to: date | None
    schedule: str
    organization_id: int | None


class SavedRunOut(BaseModel):
    report: SavedOut
    result: ResultOut


class CatalogueOut(BaseModel):
    measures: dict[str, str]  # key → kind
    dimensions: dict[str, list[str]]  # key → the measures' bases it works with
    filters: dict[str, list[str]]
    periods: list[str]
    schedules: list[str]
    max_dimensions: int
    max_filter_values: int


def _result(r: engine.ReportResult) -> ResultOut:
    return ResultOut(
        measure=r.measure,
        kind=r.kind,
        dimensions=r.dimensions,
        date_from=r.date_from,
        date_to=r.date_to,
        rows=[RowOut(labels=row.labels, value=row.value) for row in r.rows],
        total=r.total,
        truncated=r.truncated,
    )


def _saved(r: SavedReport) -> SavedOut:
    return SavedOut(
        id=r.id or 0,
        name=r.name,
        measure=r.measure,
        dimensions=r.dimensions,
        filters=r.filters,
        period=r.period,
        date_from=r.date_from,
        date_to=r.date_to,
        schedule=r.schedule,
        organization_id=r.organization_id,
    )


@router.get("/catalogue", response_model=CatalogueOut)
def report_catalogue(principal: CurrentPrincipal) -> CatalogueOut:
    engine.scope_of(principal)
    return CatalogueOut(
        measures={k: m.kind for k, m in catalogue.MEASURES.items()},
        dimensions={k: list(d.bases) for k, d in catalogue.DIMENSIONS.items()},
        filters={k: list(f.bases) for k, f in catalogue.FILTERS.items()},
        periods=list(spec.PERIODS),
        schedules=list(REPORT_SCHEDULES),
        max_dimensions=spec.MAX_DIMENSIONS,
        max_filter_values=spec.MAX_FILTER_VALUES,
    )


@router.post("/preview", response_model=ResultOut)
def preview_report(body: SpecIn, session: SessionDep, principal: CurrentPrincipal) -> ResultOut:
    return _result(engine.run(session, principal, body.checked()))


@router.get("", response_model=list[SavedOut])
def list_reports(session: SessionDep, principal: CurrentPrincipal) -> list[SavedOut]:
    return [_saved(r) for r in saved.listed(session, principal)]


@router.post("", response_model=SavedOut, status_code=201)
def save_report(body: SaveIn, session: SessionDep, principal: CurrentPrincipal) -> SavedOut:
    engine.scope_of(principal)  # who may, before what they sent is judged
    report = saved.save(session, principal, body.name, body.checked(), body.schedule)
    session.flush()
    return _saved(report)


@router.get("/{report_id}", response_model=SavedRunOut)
def run_report(report_id: ReportId, session: SessionDep, principal: CurrentPrincipal) -> SavedRunOut:
    report, result = saved.run(session, principal, report_id)
    return SavedRunOut(report=_saved(report), result=_result(result))


@router.put("/{report_id}/schedule", response_model=SavedOut)
def schedule_report(
    report_id: ReportId, body: ScheduleIn, session: SessionDep, principal: CurrentPrincipal
) -> SavedOut:
    return _saved(saved.set_schedule(session, principal, report_id, body.schedule))


@router.delete("/{report_id}", status_code=204)
def delete_report(report_id: ReportId, session: SessionDep, principal: CurrentPrincipal) -> None:
    saved.delete(session, principal, report_id)
