"""The FPO report as spreadsheets: CSV with a UTF-8 BOM (so Excel shows Devanagari) or an XLSX workbook with a
sheet per table. Headers are in the reader's language; money is in rupees as numbers, not text."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook

from kisaan_app.i18n import t
from kisaan_app.services import ratelimit
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.reports.fpo import FpoReport
from kisaan_app.services.reports.scope import fpo_scope
from kisaan_app.settings import get_settings

BOM = "\ufeff"
RUPEES_FORMAT = "#,##,##0.00"  # Indian grouping: 12,34,567.00
Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str  # also the sheet name and the CSV's file name part
    headers: list[str]
    rows: list[list[Cell]]
    money_columns: tuple[int, ...] = ()


def _rupees(paise: int | None) -> float | None:
    return None if paise is None else round(paise / 100, 2)


def _safe(text: str) -> str:
    """Names typed by people must not become spreadsheet formulas (CSV/XLSX injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _members(r: FpoReport, lang: str) -> Table:
    return Table(
        "members",
        [t(lang, "reports.col.month"), t(lang, "reports.col.joined")],
        [[m, n] for m, n in r.members.joined_by_month],
    )


def _volume(name: str, first: str) -> Callable[[FpoReport, str], Table]:
    def build(r: FpoReport, lang: str) -> Table:
        rows = getattr(r, name)
        return Table(
            name,
            [
                t(lang, first),
                t(lang, "reports.col.orders"),
                t(lang, "reports.col.quintals"),
                t(lang, "reports.col.amount"),
            ],
            [[_safe(v.key), v.orders, round(v.quintals, 3), _rupees(v.amount_paise)] for v in rows],
            money_columns=(3,),
        )

    return build


def _prices(r: FpoReport, lang: str) -> Table:
    return Table(
        "prices",
        [
            t(lang, "reports.col.crop"),
            t(lang, "reports.col.quintals"),
            t(lang, "reports.col.realised"),
            t(lang, "reports.col.mandi"),
            t(lang, "reports.col.gap"),
        ],
        [
            [
                _safe(p.crop),
                round(p.quintals, 3),
                _rupees(p.realised_paise_per_quintal),
                _rupees(p.mandi_modal_paise_per_quintal),
                p.gap_percent,
            ]
            for p in r.prices
        ],
        money_columns=(2, 3),
    )


def _reconciliation(r: FpoReport, lang: str) -> Table:
    return Table(
        "reconciliation",
        [
            t(lang, "reports.col.order"),
            t(lang, "reports.col.status"),
            t(lang, "reports.col.amount"),
            t(lang, "reports.col.captured"),
            t(lang, "reports.col.refunded"),
            t(lang, "reports.col.flags"),
        ],
        [
            [
                x.order_number,
                x.status,
                _rupees(x.amount_paise),
                _rupees(x.captured_paise),
                _rupees(x.refunded_paise),
                ", ".join(t(lang, f"reports.flag.{f}") for f in x.flags),
            ]
            for x in r.reconciliation.flagged
        ],
        money_columns=(2, 3, 4),
    )


def _reach(r: FpoReport, lang: str) -> Table:
    return Table(
        "reach",
        [
            t(lang, "reports.col.channel"),
            t(lang, "reports.col.total"),
            t(lang, "reports.col.delivered"),
            t(lang, "reports.col.read"),
            t(lang, "reports.col.failed"),
            t(lang, "reports.col.delivery_rate"),
            t(lang, "reports.col.read_rate"),
        ],
        [
            [t(lang, f"channel.{c.channel}"), c.total, c.delivered, c.read, c.failed, c.delivery_rate, c.read_rate]
            for c in r.reach
        ],
    )


def _crop_health(r: FpoReport, lang: str) -> Table:
    return Table(
        "crop_health",
        [
            t(lang, "reports.col.village"),
            t(lang, "reports.col.reports"),
            t(lang, "reports.col.open"),
            t(lang, "reports.col.red"),
        ],
        [[_safe(v.village) or "—", v.reports, v.open, v.red] for v in r.crop_health],
    )


TABLES: dict[str, Callable[[FpoReport, str], Table]] = {
    "by_crop": _volume("by_crop", "reports.col.crop"),
    "by_member": _volume("by_member", "reports.col.member"),
    "by_month": _volume("by_month", "reports.col.month"),
    "members": _members,
    "prices": _prices,
    "reconciliation": _reconciliation,
    "reach": _reach,
    "crop_health": _crop_health,
}


def check_export(principal: Principal | None, organization_id: int | None, table: str | None = None) -> None:
    """May this person download this FPO's report? Scope first (a stranger spends no budget and learns nothing),
    then the table name, then one unit of the reader's export budget, all before the big read."""
    fpo_scope(principal, organization_id)
    assert principal is not None
    if table is not None and table not in TABLES:
        raise ValidationFailed("invalid", field="table")
    ratelimit.take(get_settings().report_export_rate_per_user, "report-export", str(principal.id))


def to_csv(report: FpoReport, table: str, lang: str) -> str:
    built = TABLES[table](report, lang)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(built.headers)
    for row in built.rows:
        writer.writerow([_csv_cell(v, i in built.money_columns) for i, v in enumerate(row)])
    return buffer.getvalue()


def _csv_cell(value: Cell, is_money: bool) -> Cell:
    """Rupees with two decimals (48500.00), other numbers as short as they are exact (27, 2.5)."""
    if isinstance(value, float):
        return f"{value:.2f}" if is_money else f"{value:g}"
    return value


def to_xlsx(report: FpoReport, lang: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for build in TABLES.values():
        built = build(report, lang)
        sheet = book.create_sheet(t(lang, f"reports.table.{built.name}")[:31])  # Excel caps sheet names at 31
        sheet.append(built.headers)
        for row in built.rows:
            sheet.append(row)
        for column in built.money_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = RUPEES_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
