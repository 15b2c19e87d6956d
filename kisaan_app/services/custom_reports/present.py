"""A report's figures in the reader's words: months as "Nov 2026" / "नव॰ 2026", crops and order states from
the catalogue, money as ₹2,45,000. The page, the API's chart labels and the scheduled email all use these."""

from datetime import date

from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import local_day, rupees
from kisaan_app.services import glossary
from kisaan_app.services.custom_reports.engine import ReportResult


def label(dimension: str, raw: str, lang: str) -> str:
    if not raw:
        return t(lang, "custom_reports.none_label")
    if dimension == "month":
        year, _, month = raw.partition("-")
        if year.isdigit() and month.isdigit():
            return local_day(date(int(year), int(month), 1), lang, "MMM yyyy")
    if dimension == "crop":
        return glossary.label("crop", raw, lang)
    if dimension == "status":
        return t(lang, f"order_status.{raw}")
    return raw


def value_text(kind: str, value: float | int, lang: str) -> str:
    if kind == "money":
        return rupees(int(value))
    if kind == "quantity":
        return f"{value:g} {t(lang, 'unit.quintal')}"
    return str(value)


def row_label(result: ReportResult, labels: list[str], lang: str) -> str:
    return " · ".join(label(d, raw, lang) for d, raw in zip(result.dimensions, labels, strict=False))


def title(result: ReportResult, lang: str) -> str:
    """ "Order value by crop and month"."""
    measure = t(lang, f"custom_reports.measure.{result.measure}")
    if not result.dimensions:
        return measure
    dims = t(lang, "custom_reports.and").join(t(lang, f"custom_reports.dimension.{d}") for d in result.dimensions)
    return t(lang, "custom_reports.by", measure=measure, dimensions=dims)


def period_text(result: ReportResult, lang: str) -> str:
    return t(
        lang,
        "documents.period_value",
        start=local_day(result.date_from, lang, "d MMM yyyy"),
        end=local_day(result.date_to, lang, "d MMM yyyy"),
    )


def as_text(name: str, result: ReportResult, lang: str, link: str) -> str:
    """The email body: the report's lines, its total and where to see the chart."""
    lines = [name, f"{title(result, lang)} — {period_text(result, lang)}", ""]
    for row in result.rows:
        lines.append(f"{row_label(result, row.labels, lang) or '—'}: {value_text(result.kind, row.value, lang)}")
    if result.truncated:
        lines.append(t(lang, "custom_reports.truncated"))
    lines += ["", f"{t(lang, 'custom_reports.total')}: {value_text(result.kind, result.total, lang)}", "", link]
    # Free text goes through notify()'s placeholder filling: a crop or a name holding "{{" must stay literal.
    return "\n".join(lines).replace("{{", "{ {").replace("}}", "} }")
