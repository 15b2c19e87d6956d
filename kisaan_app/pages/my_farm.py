"""/my-farm — what I sold and earned, my price against the mandi, how my listings turned into money, my plan."""

import reflex as rx

from kisaan_app.components.feedback import empty_state
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.report_charts import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    bar_chart,
    figure,
    figures,
    line_chart,
    report_card,
)
from kisaan_app.components.tables import data_table
from kisaan_app.state.my_farm import MyFarmState as S


def _sale(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.month),
        rx.table.cell(row.crop),
        rx.table.cell(row.orders),
        rx.table.cell(row.quintals),
        rx.table.cell(row.income, white_space="nowrap"),
    )


def my_farm_page() -> rx.Component:
    return page_shell(
        "my_farm.title",
        report_card(
            "my_farm.income",
            rx.cond(
                S.has_sales,
                bar_chart(
                    S.income_chart,
                    "month",
                    [("income", "my_farm.income_rupees", GREEN)],
                    "income-chart",
                    "my_farm.no_sales",
                ),
                empty_state(
                    "my_farm.no_sales",
                    icon="sprout",
                    action=rx.link(rx.button(tr("nav.sell"), color_scheme="green"), href="/market/sell"),
                ),
            ),
            card_id="income-card",
        ),
        report_card(
            "my_farm.prices",
            rx.flex(
                rx.foreach(
                    S.price_crops,
                    lambda c: rx.button(
                        c,
                        size="1",
                        variant=rx.cond(S.price_crop == c, "solid", "soft"),
                        on_click=S.set_price_crop(c),
                    ),
                ),
                wrap="wrap",
                gap="2",
                id="price-crops",
            ),
            line_chart(
                S.price_chart,
                "day",
                [("realised", "reports.col.realised", GREEN), ("mandi", "reports.col.mandi", AMBER)],
                "price-chart",
                "my_farm.no_prices",
            ),
            rx.text(tr("my_farm.prices_hint"), size="1", color=rx.color("gray", 11)),
            card_id="price-card",
        ),
        report_card(
            "my_farm.funnel",
            bar_chart(
                S.funnel_chart,
                "stage",
                [("count", "reports.col.count", BLUE)],
                "funnel-chart",
                "my_farm.no_sales",
                height=200,
            ),
            card_id="funnel-card",
        ),
        report_card(
            "my_farm.money",
            figures(
                figure("my_farm.received", S.received, "money-received", GREEN),
                figure("my_farm.pending", S.pending, "money-pending", AMBER),
                figure("my_farm.refunded", S.refunded, "money-refunded", GREY),
                figure("my_farm.plan", tr_prefixed("reports.plan.", S.plan_status), "plan-status", BLUE),
            ),
            rx.link(tr("my_farm.see_payments"), href="/payments", size="2"),
            card_id="money-card",
        ),
        report_card(
            "my_farm.sales",
            rx.cond(
                S.has_sales,
                data_table(
                    [
                        "reports.col.month",
                        "reports.col.crop",
                        "reports.col.orders",
                        "reports.col.quintals",
                        "reports.col.income",
                    ],
                    S.sales,
                    _sale,
                    "sales-table",
                ),
                empty_state("my_farm.no_sales", icon="sprout"),
            ),
            card_id="sales-card",
        ),
    )
