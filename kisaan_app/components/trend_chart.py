"""The price trend chart: assets/trend_chart.js draws it as plain SVG (no chart library: recharts was the largest
script on the dashboard, ~90 KB on a 2G/3G link, for one line). As a NoSSRComponent it is imported with React's
lazy mechanism (Reflex's ClientSide), as its own small chunk."""

from typing import Any

import reflex as rx


class TrendChart(rx.NoSSRComponent):
    library = "$/public" + rx.asset("trend_chart.js")
    tag = "TrendChart"

    data: rx.Var[list[dict[str, Any]]]
    height: rx.Var[int]


trend_chart = TrendChart.create
