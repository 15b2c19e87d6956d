"""/admin/reports — an FPO's report (members, sales, funnel, prices vs mandi, reconciliation, message reach, crop
health) with CSV/XLSX downloads; platform admins also see GMV and the platform's measures against targets."""

import reflex as rx

from kisaan_app.components.feedback import empty_state
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.report_charts import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    RED,
    bar_chart,
    figure,
    figures,
    line_chart,
    report_card,
)
from kisaan_app.components.tables import data_table
from kisaan_app.state.reports import ReportsState as S
from kisaan_app.state.session import SessionState

EXPORT_TABLES = ("by_member", "by_crop", "by_month", "reconciliation", "reach", "crop_health")


def _cells(*values: rx.Var) -> rx.Component:
    return rx.table.row(*[rx.table.cell(v, white_space="nowrap") for v in values])


def _volume_table(rows: rx.Var, first_key: str, table_id: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        data_table(
            [first_key, "reports.col.orders", "reports.col.quintals", "reports.col.amount"],
            rows,
            lambda r: _cells(r.key, r.orders, r.quintals, r.amount),
            table_id,
        ),
        empty_state("reports.no_sales", icon="chart_bar"),
    )


def _org_picker() -> rx.Component:
    return rx.cond(
        SessionState.user_role == "admin",
        rx.cond(
            S.organizations.length() > 0,
            rx.hstack(
                rx.text(tr("reports.fpo"), size="2"),
                rx.el.select(
                    rx.foreach(S.organizations, lambda o: rx.el.option(o[1], value=o[0])),
                    value=S.report_org,
                    on_change=S.pick_organization,
                    id="report-org",
                    class_name="native-select",
                ),
                align="center",
                wrap="wrap",
            ),
        ),
    )


def _downloads() -> rx.Component:
    query = "organization_id=" + S.report_org
    return rx.flex(
        rx.link(
            rx.button(rx.icon("file-spreadsheet", size=16), tr("reports.download_xlsx"), variant="soft"),
            href="/api/reports/fpo/export.xlsx?" + query,
            id="export-xlsx",
            is_external=True,
        ),
        rx.el.form(
            rx.el.input(type="hidden", name="organization_id", value=S.report_org),
            rx.el.select(
                *[rx.el.option(tr(f"reports.table.{name}"), value=name) for name in EXPORT_TABLES],
                name="table",
                class_name="native-select",
                id="export-table",
            ),
            rx.button(rx.icon("download", size=16), tr("reports.download_csv"), type="submit", variant="soft"),
            action="/api/reports/fpo/export.csv",
            method="get",
            style={"display": "flex", "gap": "0.5em", "flexWrap": "wrap", "alignItems": "center"},
            id="export-csv",
        ),
        wrap="wrap",
        gap="3",
        width="100%",
    )


def _fpo() -> rx.Component:
    return rx.fragment(
        rx.heading(S.fpo_name, size="5", id="fpo-name"),
        _downloads(),
        report_card(
            "reports.sales_by_month",
            bar_chart(
                S.sales_chart, "month", [("amount", "reports.col.amount", GREEN)], "fpo-sales-chart", "reports.no_sales"
            ),
            card_id="fpo-sales",
        ),
        report_card(
            "reports.funnel",
            bar_chart(
                S.funnel_chart,
                "stage",
                [("count", "reports.col.count", BLUE)],
                "fpo-funnel-chart",
                "reports.no_sales",
                200,
            ),
            rx.text(tr("reports.cancellation_rate"), " ", S.cancellation_rate, size="2", id="cancellation-rate"),
            card_id="fpo-funnel",
        ),
        report_card(
            "reports.prices",
            bar_chart(
                S.price_chart,
                "crop",
                [("realised", "reports.col.realised", GREEN), ("mandi", "reports.col.mandi", AMBER)],
                "fpo-price-chart",
                "reports.no_sales",
            ),
            rx.cond(
                S.prices.length() > 0,
                data_table(
                    ["reports.col.crop", "reports.col.realised", "reports.col.mandi", "reports.col.gap"],
                    S.prices,
                    lambda p: _cells(p.crop, p.realised, p.mandi, p.gap),
                    "fpo-price-table",
                ),
            ),
            card_id="fpo-prices",
        ),
        report_card(
            "reports.by_crop", _volume_table(S.by_crop, "reports.col.crop", "fpo-by-crop"), card_id="fpo-crops"
        ),
        report_card(
            "reports.by_member",
            _volume_table(S.by_member, "reports.col.member", "fpo-by-member"),
            card_id="fpo-members-sales",
        ),
        report_card(
            "reports.members",
            figures(
                figure("reports.members_total", S.members["total"], "members-total", GREEN),
                figure("reports.members_active", S.members["active"], "members-active", GREEN),
                figure("reports.members_pending", S.members["pending"], "members-pending", AMBER),
                figure("reports.members_incomplete", S.members["incomplete"], "members-incomplete", GREY),
            ),
            bar_chart(
                S.joined_chart,
                "month",
                [("joined", "reports.col.joined", BLUE)],
                "joined-chart",
                "reports.no_members",
                180,
            ),
            card_id="fpo-members",
        ),
        report_card(
            "reports.reconciliation",
            rx.cond(
                S.balanced,
                rx.callout(tr("reports.balanced"), icon="circle_check", color_scheme="green", id="recon-balanced"),
                rx.callout(tr("reports.unbalanced"), icon="triangle_alert", color_scheme="red", id="recon-unbalanced"),
            ),
            figures(
                figure("reports.recon_paid", S.recon["paid"], "recon-paid", GREEN),
                figure("reports.recon_captured", S.recon["captured"], "recon-captured", BLUE),
                figure("reports.recon_refunded", S.recon["refunded"], "recon-refunded", GREY),
                figure("reports.recon_pending", S.recon["pending"], "recon-pending", AMBER),
                figure("reports.recon_flagged", S.recon["flagged"], "recon-flagged", RED),
            ),
            rx.cond(
                S.flagged.length() > 0,
                data_table(
                    [
                        "reports.col.order",
                        "reports.col.status",
                        "reports.col.amount",
                        "reports.col.captured",
                        "reports.col.refunded",
                        "reports.col.flags",
                    ],
                    S.flagged,
                    lambda x: rx.table.row(
                        rx.table.cell(x.order_number, white_space="nowrap"),
                        rx.table.cell(x.status),
                        rx.table.cell(x.amount, white_space="nowrap"),
                        rx.table.cell(x.captured, white_space="nowrap"),
                        rx.table.cell(x.refunded, white_space="nowrap"),
                        rx.table.cell(rx.text(x.flags, color=rx.color("red", 11), size="2")),
                    ),
                    "recon-flagged-table",
                ),
            ),
            card_id="fpo-reconciliation",
        ),
        report_card(
            "reports.reach",
            bar_chart(
                S.reach_chart,
                "channel",
                [("delivered", "reports.col.delivery_rate", GREEN), ("read", "reports.col.read_rate", BLUE)],
                "reach-chart",
                "reports.no_messages",
                200,
            ),
            rx.cond(
                S.reach.length() > 0,
                data_table(
                    [
                        "reports.col.channel",
                        "reports.col.total",
                        "reports.col.delivery_rate",
                        "reports.col.read_rate",
                        "reports.col.failed",
                    ],
                    S.reach,
                    lambda c: _cells(c.channel, c.total, c.delivery_rate, c.read_rate, c.failed),
                    "reach-table",
                ),
            ),
            card_id="fpo-reach",
        ),
        report_card(
            "reports.crop_health",
            rx.cond(
                S.villages.length() > 0,
                data_table(
                    ["reports.col.village", "reports.col.reports", "reports.col.open", "reports.col.red"],
                    S.villages,
                    lambda v: _cells(v.village, v.reports, v.open, v.red),
                    "crop-health-table",
                ),
                empty_state("reports.no_crop_health", icon="leaf"),
            ),
            card_id="fpo-crop-health",
        ),
    )


def _measure(m: rx.Var) -> rx.Component:
    colour = rx.cond(m.measured, rx.cond(m.met, "green", "red"), "gray")
    return rx.table.row(
        rx.table.cell(tr_prefixed("reports.measure.", m.key)),
        rx.table.cell(rx.badge(m.value, color_scheme=colour, size="2")),
        rx.table.cell(m.target, white_space="nowrap"),
        rx.table.cell(
            rx.cond(m.measured, rx.cond(m.met, tr("reports.met.yes"), tr("reports.met.no")), tr("reports.met.none"))
        ),
    )


def _platform() -> rx.Component:
    return rx.cond(
        S.has_platform,
        rx.fragment(
            rx.heading(tr("reports.platform"), size="5"),
            report_card(
                "reports.gmv",
                figures(
                    figure("reports.gmv", S.gmv, "platform-gmv", GREEN),
                    figure("reports.orders_paid", S.orders_paid, "platform-orders", BLUE),
                ),
                line_chart(S.gmv_chart, "month", [("amount", "reports.gmv", GREEN)], "gmv-chart", "reports.no_sales"),
                card_id="platform-gmv-card",
            ),
            report_card(
                "reports.targets",
                data_table(
                    ["reports.col.measure", "reports.col.value", "reports.col.target", "reports.col.met"],
                    S.measures,
                    _measure,
                    "measures-table",
                ),
                card_id="platform-measures",
            ),
        ),
    )


def admin_reports_page() -> rx.Component:
    return page_shell(
        "reports.title",
        _platform(),
        _org_picker(),
        rx.cond(S.has_fpo, _fpo(), rx.cond(S.loaded, empty_state("reports.no_fpo", icon="users"))),
    )
