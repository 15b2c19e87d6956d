"""/api/reports: the four reports as JSON, and the FPO report as CSV or XLSX. Routes only adapt: who may read
what is decided by services/reports (a farmer their farm, an org admin their FPO, an admin any FPO)."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.ids import RowId
from kisaan_app.services.reports import exports
from kisaan_app.services.reports.buckets import MAX_MONTHS, Period
from kisaan_app.services.reports.farmer import farmer_report
from kisaan_app.services.reports.fpo import fpo_report
from kisaan_app.services.reports.market import crops_reported, market_report
from kisaan_app.services.reports.platform import platform_report

router = APIRouter(prefix="/api/reports", tags=["reports"])
Months = Annotated[int, Query(ge=1, le=MAX_MONTHS)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/my-farm")
def my_farm(session: SessionDep, principal: CurrentPrincipal, months: Months = 12) -> dict[str, Any]:
    return asdict(farmer_report(session, principal, Period.last_months(months)))


@router.get("/fpo")
def fpo(
    session: SessionDep, principal: CurrentPrincipal, organization_id: RowId | None = None, months: Months = 12
) -> dict[str, Any]:
    return asdict(fpo_report(session, principal, organization_id, Period.last_months(months)))


@router.get("/market")
def market(
    session: SessionDep,
    principal: CurrentPrincipal,
    crop: Annotated[str, Query(min_length=1, max_length=80)],
    district: Annotated[str | None, Query(max_length=80)] = None,
    months: Months = 12,
) -> dict[str, Any]:
    return asdict(market_report(session, principal, crop, district, Period.last_months(months)))


@router.get("/market/crops")
def market_crops(session: SessionDep, principal: CurrentPrincipal) -> list[str]:
    return crops_reported(session, principal)


@router.get("/platform")
def platform(session: SessionDep, principal: CurrentPrincipal, months: Months = 12) -> dict[str, Any]:
    return asdict(platform_report(session, principal, Period.last_months(months)))


def _filename(report_name: str, organization_id: int, suffix: str) -> str:
    return f'attachment; filename="kisaansay-fpo-{organization_id}-{report_name}.{suffix}"'


@router.get("/fpo/export.csv")
def fpo_csv(
    session: SessionDep,
    principal: CurrentPrincipal,
    table: Annotated[str, Query(max_length=20)] = "by_member",
    organization_id: RowId | None = None,
    months: Months = 12,
) -> Response:
    exports.check_export(principal, organization_id, table)
    report = fpo_report(session, principal, organization_id, Period.last_months(months))
    body = exports.to_csv(report, table, principal.language)
    headers = {"Content-Disposition": _filename(table, report.organization_id, "csv")}
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/fpo/export.xlsx")
def fpo_xlsx(
    session: SessionDep, principal: CurrentPrincipal, organization_id: RowId | None = None, months: Months = 12
) -> Response:
    exports.check_export(principal, organization_id)
    report = fpo_report(session, principal, organization_id, Period.last_months(months))
    headers = {"Content-Disposition": _filename("report", report.organization_id, "xlsx")}
    return Response(exports.to_xlsx(report, principal.language), media_type=XLSX, headers=headers)
