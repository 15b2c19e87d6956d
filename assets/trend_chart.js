// The dashboard's 30-day price trend: one line in plain SVG, no chart library (recharts cost the dashboard ~90 KB
// on a 2G/3G link for this one line). Three price gridlines labelled in rupees, the first, middle and last
// dates, and the price of the day under the finger (tap or hover). components/trend_chart.py wraps it as a
// client-side component.
import { createElement as h, useState } from "react";

// ₹2,400 (lakh grouping, as everywhere in the app).
const rupees = (value) => "₹" + Number(value).toLocaleString("en-IN");
const WIDTH = 340; // viewBox units; the SVG scales to its container's width
const LEFT = 58;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 22;

function ticks(low, high) {
  if (low === high) return [low];
  return [low, Math.round((low + high) / 2), high];
}

export function TrendChart({ data, height = 220 }) {
  const [picked, setPicked] = useState(null);
  const points = (data || []).filter((p) => Number.isFinite(Number(p.modal)));
  if (points.length < 2) return null;
  const values = points.map((p) => Number(p.modal));
  let low = Math.min(...values);
  let high = Math.max(...values);
  const pad = Math.max(1, Math.round((high - low) * 0.08));
  low -= pad;
  high += pad;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = height - TOP - BOTTOM;
  const x = (i) => LEFT + (plotW * i) / (points.length - 1);
  const y = (v) => TOP + plotH - (plotH * (v - low)) / (high - low);
  const line = points.map((p, i) => `${x(i).toFixed(1)},${y(Number(p.modal)).toFixed(1)}`).join(" ");
  const dates = [0, Math.floor((points.length - 1) / 2), points.length - 1];
  const pick = (event) => {
    const box = event.currentTarget.getBoundingClientRect();
    const at = ((event.clientX - box.left) / box.width) * WIDTH;
    const i = Math.round(((at - LEFT) / plotW) * (points.length - 1));
    setPicked(Math.min(points.length - 1, Math.max(0, i)));
  };
  const shown = picked === null ? null : points[picked];
  return h(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: "100%",
      height,
      role: "img",
      className: "trend-chart",
      style: { touchAction: "pan-y", fontSize: 11, fontFamily: "inherit" },
      onPointerMove: pick,
      onPointerDown: pick,
      onPointerLeave: () => setPicked(null),
    },
    ticks(Math.round(low + pad), Math.round(high - pad)).map((v) =>
      h(
        "g",
        { key: `y${v}` },
        h("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: y(v), y2: y(v), stroke: "#ddd", strokeDasharray: "3 3" }),
        h("text", { x: LEFT - 4, y: y(v) + 4, textAnchor: "end", fill: "#555" }, rupees(v)),
      ),
    ),
    dates.map((i, n) =>
      h(
        "text",
        { key: `x${i}`, x: x(i), y: height - 6, fill: "#555", textAnchor: ["start", "middle", "end"][n] },
        points[i].date,
      ),
    ),
    h("polyline", { points: line, fill: "none", stroke: "#2e7d32", strokeWidth: 2, strokeLinejoin: "round" }),
    shown &&
      h(
        "g",
        null,
        h("line", { x1: x(picked), x2: x(picked), y1: TOP, y2: TOP + plotH, stroke: "#999" }),
        h("circle", { cx: x(picked), cy: y(Number(shown.modal)), r: 4, fill: "#2e7d32" }),
        h(
          "text",
          {
            x: Math.min(Math.max(x(picked), LEFT + 40), WIDTH - RIGHT - 40),
            y: TOP + 10,
            textAnchor: "middle",
            fill: "#1b2a1c",
            fontWeight: 600,
          },
          `${shown.date}: ${rupees(shown.modal)}`,
        ),
      ),
  );
}
