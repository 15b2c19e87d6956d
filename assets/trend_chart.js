// The dashboard's 30-day price trend, as its own module: the page loads it (and recharts, ~64 KB) only after it
// is usable, as a separate chunk (components/trend_chart.py wraps it as a client-side, lazily imported component).
import { createElement as h } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// The axis and tooltip say what the figures are: ₹2,400 (lakh grouping, as everywhere in the app).
const rupees = (value) => "₹" + Number(value).toLocaleString("en-IN");

export function TrendChart({ data, height = 220 }) {
  return h(
    ResponsiveContainer,
    { width: "100%", height },
    h(
      LineChart,
      { data },
      h(CartesianGrid, { strokeDasharray: "3 3", vertical: false }),
      h(XAxis, { dataKey: "date", tick: { fontSize: 11 }, minTickGap: 20 }),
      h(YAxis, { tick: { fontSize: 11 }, width: 56, domain: ["auto", "auto"], tickFormatter: rupees }),
      h(Tooltip, { formatter: rupees }),
      h(Line, { dataKey: "modal", stroke: "#2e7d32", strokeWidth: 2, dot: false }),
    ),
  );
}
