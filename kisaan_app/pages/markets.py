"""/markets — a crop's mandi prices month by month against last year, how much they swung, and what our
marketplace paid beside them."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.forms import text_input
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.report_charts import AMBER, BLUE, GREEN, GREY, bar_chart, line_chart, report_card
from kisaan_app.components.tables import data_table, filter_bar
from kisaan_app.state.markets import MarketsState as S


def _picker() -> rx.Component:
    return filter_bar(
        S.choose,
        rx.el.select(
            rx.foreach(S.crops, lambda c: rx.el.option(c[1], value=c[0])),
            name="crop",
            value=S.crop,
            on_change=S.set_crop_choice,
            class_name="native-select",
            id="market-crop",
            aria_label=tr("reports.col.crop"),
        ),
        text_input("district", value=S.district, placeholder=tr("markets.district_any"), max_length=80),
        rx.button(tr("markets.show"), type="submit", id="market-show"),
    )


def _row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        *[
            rx.table.cell(v, white_space="nowrap")
            for v in (r.month, r.modal, r.last_year, r.change, r.volatility, r.reports, r.markets, r.ours, r.spread)
        ]
    )


def markets_page() -> rx.Component:
    return page_shell(
        "markets.title",
        _picker(),
        error_banner(S.error),
        rx.cond(
            S.has_data,
            rx.fragment(
                report_card(
                    "markets.trend",
                    line_chart(
                        S.trend_chart,
                        "month",
                        [("modal", "markets.modal", GREEN), ("last_year", "markets.last_year", GREY)],
                        "market-trend-chart",
                        "markets.no_data",
                    ),
                    card_id="market-trend",
                ),
                report_card(
                    "markets.spread",
                    line_chart(
                        S.spread_chart,
                        "month",
                        [("ours", "markets.ours", BLUE), ("mandi", "markets.modal", AMBER)],
                        "market-spread-chart",
                        "markets.no_data",
                    ),
                    card_id="market-spread",
                ),
                report_card(
                    "markets.volatility",
                    bar_chart(
                        S.volatility_chart,
                        "month",
                        [("cv", "markets.cv", AMBER)],
                        "market-cv-chart",
                        "markets.no_data",
                        180,
                    ),
                    rx.text(tr("markets.cv_hint"), size="1", color=rx.color("gray", 11)),
                    card_id="market-volatility",
                ),
                report_card(
                    "markets.table",
                    data_table(
                        [
                            "reports.col.month",
                            "markets.modal",
                            "markets.last_year",
                            "markets.change",
                            "markets.cv",
                            "markets.reports",
                            "markets.markets",
                            "markets.ours",
                            "markets.spread_col",
                        ],
                        S.rows,
                        _row,
                        "market-table",
                    ),
                    card_id="market-table-card",
                ),
            ),
            rx.cond(S.loaded, empty_state("markets.no_data", icon="chart_line")),
        ),
    )
