"""Run a checked report spec: one GROUP BY in the database, scoped to the viewer's FPO, plus its total.

Who may run one: a platform admin (every FPO) and an org admin (their own FPO's sales only); nobody else.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from kisaan_app.models.enums import Role
from kisaan_app.models.market import MarketOrder
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.custom_reports import catalogue
from kisaan_app.services.custom_reports.spec import ReportSpec, bounds, period_days, today_ist
from kisaan_app.services.errors import PermissionDenied

MAX_ROWS = 200  # a chart of more bars than this is unreadable; the total still counts every row


@dataclass(frozen=True)
class ReportRow:
    labels: list[str]  # one per dimension, in the spec's order
    value: float | int


@dataclass(frozen=True)
class ReportResult:
    measure: str
    kind: str  # money | count | quantity
    dimensions: list[str]
    date_from: date
    date_to: date
    rows: list[ReportRow]
    total: float | int
    truncated: bool


def scope_of(principal: Principal | None) -> int | None:
    """The FPO a viewer's reports are limited to (None: all, for a platform admin)."""
    principal = require_role(principal, Role.ADMIN, Role.ORG_ADMIN)
    if principal.role == Role.ADMIN:
        return None
    if principal.organization_id is None:
        raise PermissionDenied()
    return principal.organization_id


def run_scoped(
    session: Session, spec: ReportSpec, organization_id: int | None, days: tuple[date, date] | None = None
) -> ReportResult:
    """The figures for an FPO (or all, None) over `days` (default: the spec's own period as of today)."""
    measure = catalogue.MEASURES[spec.measure]
    base = catalogue.BASES[measure.base]
    days = days or period_days(spec.period, spec.date_from, spec.date_to, today_ist())
    start, end = bounds(days)
    dialect = session.get_bind().dialect.name
    groups: list[Any] = []
    labels: list[Any] = []
    needs_farmer = False
    for key in spec.dimensions:
        dim = catalogue.DIMENSIONS[key]
        columns, label = dim.columns(base, dialect)
        groups.extend(columns)
        labels.append(label)
        needs_farmer = needs_farmer or dim.needs_farmer

    def scoped(query: sa.Select) -> sa.Select:
        query = base.select_from(query)
        if needs_farmer:
            query = query.join(catalogue.Farmer, col(catalogue.Farmer.id) == col(MarketOrder.farmer_id))
        query = query.where(base.when >= start, base.when < end)
        if organization_id is not None:
            query = query.where(col(MarketOrder.organization_id) == organization_id)
        for name, values in spec.filters.items():
            query = query.where(catalogue.FILTERS[name].where(values))
        return query

    value = measure.aggregate().label("value")
    total_raw = session.execute(scoped(sa.select(measure.aggregate()))).scalar()
    rows: list[ReportRow] = []
    truncated = False
    if groups:
        order: list[Any] = [sa.desc("value")]
        if "month" in spec.dimensions:  # a month axis reads left to right
            order.insert(0, labels[spec.dimensions.index("month")])
        query = scoped(sa.select(*labels, value)).group_by(*groups).order_by(*order).limit(MAX_ROWS + 1)
        found = session.execute(query).all()
        truncated = len(found) > MAX_ROWS
        rows = [
            ReportRow([str(x) if x is not None else "" for x in r[:-1]], measure.value(r[-1])) for r in found[:MAX_ROWS]
        ]
    return ReportResult(
        measure.key,
        measure.kind,
        list(spec.dimensions),
        days[0],
        days[1],
        rows,
        measure.value(total_raw),
        truncated,
    )


def run(session: Session, principal: Principal | None, spec: ReportSpec) -> ReportResult:
    return run_scoped(session, spec, scope_of(principal))
