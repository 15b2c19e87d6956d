"""The pieces every report page is built from: a titled card, a figure tile, and bar/line charts that fill the
width (a phone at 360 px included) with axes in rupees or counts. Charts first, tables after."""

import reflex as rx

from kisaan_app.components.feedback import empty_state
from kisaan_app.components.i18n import tr

GREEN, AMBER, BLUE, RED, GREY = "#2e7d32", "#f9a825", "#1565c0", "#c62828", "#757575"
# No draw-in animation: on a cheap phone it costs frames, and a chart that is still growing reads as wrong.


def report_card(title_key: str, *children: rx.Component, card_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(tr(title_key), size="4"), *children, align="stretch", spacing="3", width="100%"),
        width="100%",
        id=card_id,
    )


def figure(label_key: str, value: rx.Var | str | int, figure_id: str, colour: str = GREY) -> rx.Component:
    """One headline number with its label (wraps two to a row on a phone)."""
    return rx.box(
        rx.text(tr(label_key), size="1", color=rx.color("gray", 11)),
        rx.text(value, size="5", weight="bold", id=figure_id),
        padding="0.5em 0.75em",
        border_left=f"3px solid {colour}",
        min_width="9em",
        flex="1 1 9em",
    )


def figures(*tiles: rx.Component) -> rx.Component:
    return rx.flex(*tiles, wrap="wrap", gap="3", width="100%")


def _axes(x_key: str, y_width: int = 56) -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key=x_key, tick={"fontSize": 11}, min_tick_gap=8),
        rx.recharts.y_axis(tick={"fontSize": 11}, width=y_width),
        rx.recharts.graphing_tooltip(),
    ]


def bar_chart(
    data: rx.Var, x_key: str, bars: list[tuple[str, str, str]], chart_id: str, empty_key: str, height: int = 240
) -> rx.Component:
    """bars: (data key, label key, colour). Shows `empty_key` instead when there is no data."""
    return rx.cond(
        data.length() > 0,
        rx.recharts.bar_chart(
            *[
                rx.recharts.bar(data_key=k, name=tr(label), fill=colour, is_animation_active=False)
                for k, label, colour in bars
            ],
            *_axes(x_key),
            *([rx.recharts.legend()] if len(bars) > 1 else []),
            data=data,
            width="100%",
            height=height,
            id=chart_id,
        ),
        empty_state(empty_key, icon="chart_bar"),
    )


def line_chart(
    data: rx.Var, x_key: str, lines: list[tuple[str, str, str]], chart_id: str, empty_key: str, height: int = 240
) -> rx.Component:
    return rx.cond(
        data.length() > 0,
        rx.recharts.line_chart(
            *[
                rx.recharts.line(
                    data_key=k,
                    name=tr(label),
                    stroke=colour,
                    stroke_width=2,
                    connect_nulls=True,
                    is_animation_active=False,
                )
                for k, label, colour in lines
            ],
            *_axes(x_key),
            rx.recharts.legend(),
            data=data,
            width="100%",
            height=height,
            id=chart_id,
        ),
        empty_state(empty_key, icon="chart_line"),
    )
