"""PDF documents benchmark: how long a farmer's statement takes to draw, and what Indic shaping costs.

    .venv/bin/python bench/documents.py                   # 200-line statements, 20 runs each
    .venv/bin/python bench/documents.py --lines 1000 --runs 10

Draws the same statement (sales, payments and refunds lines; a Devanagari farmer name) in English and in
Hindi through services/documents (fpdf2 with HarfBuzz shaping), and, in the same run, the baseline: the
identical English statement with shaping switched off (fpdf2's plain text path). Printed: p50/p95 per
statement and the PDF size. No database: the figures are the drawing alone (the queries are indexed lookups
of one farmer's rows for the period).
"""

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import percentile  # noqa: E402
from kisaan_app.services.documents import render, sheet  # noqa: E402
from kisaan_app.services.documents.statement import (  # noqa: E402
    PaymentLine,
    Period,
    RefundLine,
    SaleLine,
    Statement,
)


def _statement(lines: int) -> Statement:
    start = datetime(2026, 4, 1, 6, tzinfo=UTC)
    sales = [
        SaleLine(
            start + timedelta(hours=i),
            f"ORD-{i:06d}",
            ("Onion", "Wheat", "Soybean")[i % 3],
            10,
            "quintal",
            250_000 + i,
            "paid",
        )
        for i in range(lines)
    ]
    paid = [PaymentLine(s.at, f"rcpt_{i:08d}", s.order_number, s.amount_paise, "upi") for i, s in enumerate(sales)]
    refunds = [RefundLine(p.at, p.receipt, p.order_number, 5_000) for p in paid[: lines // 10]]
    return Statement(
        1,
        "रामेश्वर क्षीरसागर",
        "+919800000003",
        "Nashik Onion Growers FPO",
        "hi",
        Period(date(2026, 4, 1), date(2027, 3, 31)),
        sales,
        paid,
        refunds,
        [],
    )


def _time(fn, runs: int) -> tuple[list[float], int]:
    took, size = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        size = len(fn())
        took.append((time.perf_counter() - began) * 1000)
    return took, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200, help="sales lines per statement (payments too)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    st = _statement(args.lines)
    made = datetime(2027, 4, 1, tzinfo=UTC)
    cases = {
        "hindi (shaped)": lambda: render.statement_pdf(st, "hi", made),
        "english (shaped)": lambda: render.statement_pdf(st, "en", made),
    }
    results = {name: _time(fn, args.runs) for name, fn in cases.items()}
    original = sheet.FPDF.set_text_shaping
    with mock.patch.object(sheet._Page, "set_text_shaping", lambda self, *a, **k: original(self, False)):
        results["baseline: english, no shaping"] = _time(lambda: render.statement_pdf(st, "en", made), args.runs)
    print(f"statement with {args.lines} sales + {args.lines} payments + {args.lines // 10} refunds, {args.runs} runs")
    print(f"{'case':32} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'KB':>6}")
    for name, (took, size) in results.items():
        print(
            f"{name:32} {percentile(took, 50):8.1f} {percentile(took, 95):8.1f} {statistics.mean(took):8.1f} "
            f"{size / 1024:6.0f}"
        )


if __name__ == "__main__":
    main()
