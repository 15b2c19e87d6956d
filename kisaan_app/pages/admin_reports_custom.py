"""/admin/reports/custom — build a report, see it as a chart first and a table second, save it, email it."""

from typing import Any

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field, submit_button, text_input
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.services.custom_reports import catalogue, spec
from kisaan_app.state.custom_reports import CustomReportsState as S

SCHEDULES = ("none", "daily", "weekly", "monthly")


def _dimension_select(name: str, element_id: str) -> rx.Component:
    options = [("", tr("custom_reports.no_dimension"))]
    options += [(d, tr(f"custom_reports.dimension.{d}")) for d in catalogue.DIMENSIONS]
    return native_select(name, options, id=element_id)


def _builder() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.grid(
                field(
                    "custom_reports.measure",
                    native_select(
                        "measure",
                        [(m, tr(f"custom_reports.measure.{m}")) for m in catalogue.MEASURES],
                        id="report-measure",
                    ),
                    S.field_errors.get("measure", ""),
                ),
                field(
                    "custom_reports.period",
                    native_select(
                        "period",
                        [(p, tr(f"custom_reports.period.{p}")) for p in spec.PERIODS],
                        id="report-period",
                        value="last_30_days",
                        on_change=S.set_period,
                    ),
                    S.field_errors.get("period", ""),
                ),
                field(
                    "custom_reports.split_by",
                    _dimension_select("dimension_1", "report-dimension-1"),
                    S.field_errors.get("dimensions", ""),
                ),
                field("custom_reports.then_by", _dimension_select("dimension_2", "report-dimension-2")),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.cond(
                S.period == "custom",
                rx.grid(
                    field(
                        "documents.from",
                        text_input("date_from", input_type="date"),
                        S.field_errors.get("date_from", ""),
                    ),
                    field("documents.to", text_input("date_to", input_type="date"), S.field_errors.get("date_to", "")),
                    columns="2",
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.grid(
                field(
                    "custom_reports.filter_crops",
                    text_input("crops", placeholder="Onion, Wheat"),
                    S.field_errors.get("filters", ""),
                    hint_key="custom_reports.filter_hint",
                ),
                field("custom_reports.filter_districts", text_input("districts", placeholder="Nashik")),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            error_banner(S.field_errors.get("form", "")),
            submit_button("custom_reports.preview", id="report-preview"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.preview,
        reset_on_submit=False,
        width="100%",
    )


def _chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.bar(data_key="value", name=S.title, fill="#2e7d32"),
        rx.recharts.x_axis(
            data_key="label", tick={"fontSize": 11}, interval=0, angle=-20, text_anchor="end", height=60
        ),
        rx.recharts.y_axis(tick={"fontSize": 11}, width=56),
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.graphing_tooltip(),
        data=S.rows.to(list[dict[str, Any]]),  # recharts wants plain objects; a ChartRow arrives as one
        width="100%",
        height=260,
        id="report-chart",
    )


def _table_row(r: rx.Var) -> rx.Component:
    return rx.table.row(rx.table.cell(r.label), rx.table.cell(r.shown, text_align="right"))


def _result() -> rx.Component:
    return rx.cond(
        S.previewed,
        rx.card(
            rx.vstack(
                rx.cond(S.shown_name != "", rx.heading(S.shown_name, size="4")),
                rx.text(S.title, weight="bold"),
                rx.text(S.period_label, size="2", color=rx.color("gray", 11)),
                rx.cond(
                    S.rows.length() > 0,
                    rx.vstack(
                        _chart(),
                        rx.box(
                            rx.table.root(
                                rx.table.body(rx.foreach(S.rows, _table_row)),
                                size="1",
                                width="100%",
                            ),
                            overflow_x="auto",
                            width="100%",
                        ),
                        rx.text(tr("custom_reports.total"), ": ", S.total, weight="bold", id="report-total"),
                        rx.cond(S.truncated, rx.text(tr("custom_reports.truncated"), size="1")),
                        width="100%",
                    ),
                    empty_state("custom_reports.empty", icon="chart-bar"),
                ),
                width="100%",
            ),
            width="100%",
            id="report-result",
        ),
    )


def _save_form() -> rx.Component:
    return rx.cond(
        S.previewed & (S.shown_name == ""),
        rx.form(
            rx.vstack(
                rx.heading(tr("custom_reports.save_heading"), size="3"),
                rx.grid(
                    field("custom_reports.name", text_input("name"), S.save_errors.get("name", "")),
                    field(
                        "custom_reports.schedule",
                        native_select(
                            "schedule",
                            [(s, tr(f"custom_reports.schedule.{s}")) for s in SCHEDULES],
                            id="report-schedule",
                        ),
                        S.save_errors.get("schedule", ""),
                        hint_key="custom_reports.schedule_hint",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                error_banner(S.save_errors.get("form", "")),
                rx.cond(S.saved_ok, success_banner(tr("custom_reports.saved_ok"), id="report-saved")),
                submit_button("custom_reports.save", id="report-save"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.save,
            reset_on_submit=False,
            width="100%",
        ),
    )


def _saved_card(r: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(r.name, weight="bold"),
                rx.text(
                    tr_prefixed("custom_reports.measure.", r.measure),
                    rx.foreach(r.dimensions, lambda d: rx.fragment(" · ", tr_prefixed("custom_reports.dimension.", d))),
                    " · ",
                    tr_prefixed("custom_reports.period.", r.period),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                rx.cond(r.schedule != "none", rx.badge(tr_prefixed("custom_reports.schedule.", r.schedule))),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("chart-bar", size=16),
                tr("custom_reports.open"),
                on_click=S.open_saved(r.id),
                variant="soft",
                id="report-open-" + r.id.to_string(),
            ),
            rx.button(
                rx.icon("trash-2", size=16),
                on_click=S.delete_saved(r.id),
                variant="soft",
                color_scheme="red",
                aria_label=tr("custom_reports.delete"),
                id="report-delete-" + r.id.to_string(),
            ),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        width="100%",
        class_name="saved-report",
    )


def custom_reports_page() -> rx.Component:
    return page_shell(
        "nav.custom_reports",
        rx.text(tr("custom_reports.intro"), size="2", color=rx.color("gray", 11)),
        error_banner(S.error),
        _result(),
        _builder(),
        _save_form(),
        rx.heading(tr("custom_reports.saved_heading"), size="4"),
        rx.cond(
            S.reports.length() > 0,
            rx.vstack(rx.foreach(S.reports, _saved_card), spacing="2", width="100%", id="saved-reports"),
            empty_state("custom_reports.saved_none", icon="file-chart-column"),
        ),
    )
