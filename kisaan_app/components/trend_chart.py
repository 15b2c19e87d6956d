"""The price trend chart, loaded lazily: recharts is the largest script on the dashboard (~64 KB brotli), and a
farmer on 2G/3G should see prices before the chart. assets/trend_chart.js draws the chart; as a NoSSRComponent it
is imported with React's lazy mechanism (Reflex's ClientSide) after the page is usable, as its own chunk."""

from typing import Any

import reflex as rx


class TrendChart(rx.NoSSRComponent):
    library = "$/public" + rx.asset("trend_chart.js")
    lib_dependencies: list[str] = ["recharts@3.10.1"]
    tag = "TrendChart"

    data: rx.Var[list[dict[str, Any]]]
    height: rx.Var[int]


trend_chart = TrendChart.create
