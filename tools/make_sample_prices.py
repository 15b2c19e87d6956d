"""Write kisaan_app/data/agmarknet_sample.csv: 60 days of realistic Agmarknet-format daily prices.

Deterministic (fixed seed). A random walk around typical price levels (Rs/quintal) per market series,
with Sundays mostly closed. `prices.import_sample` shifts the dates so the newest row is today.
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "kisaan_app" / "data" / "agmarknet_sample.csv"
LAST_DAY = date(2026, 11, 20)
DAYS = 60
# (state, district, market, commodity, variety, typical modal Rs/qtl, daily volatility)
SERIES = [
    ("Maharashtra", "Nashik", "Lasalgaon", "Onion", "Red", 2400, 0.035),
    ("Maharashtra", "Nashik", "Lasalgaon", "Onion", "White", 2600, 0.03),
    ("Maharashtra", "Nashik", "Pimpalgaon", "Onion", "Red", 2350, 0.035),
    ("Maharashtra", "Nashik", "Pimpalgaon", "Tomato", "Hybrid", 1500, 0.08),
    ("Maharashtra", "Nashik", "Nashik", "Tomato", "Local", 1300, 0.08),
    ("Maharashtra", "Nashik", "Nashik", "Grapes", "Thompson Seedless", 5200, 0.03),
    ("Maharashtra", "Pune", "Pune", "Onion", "Red", 2500, 0.03),
    ("Maharashtra", "Pune", "Pune", "Potato", "Local", 1800, 0.025),
    ("Maharashtra", "Pune", "Manchar", "Potato", "Jyoti", 1700, 0.025),
    ("Maharashtra", "Pune", "Pune", "Wheat", "Lokwan", 2900, 0.01),
    ("Maharashtra", "Pune", "Manchar", "Tomato", "Hybrid", 1400, 0.08),
    ("Madhya Pradesh", "Indore", "Indore", "Soyabean", "Yellow", 4500, 0.012),
    ("Madhya Pradesh", "Indore", "Indore", "Wheat", "Sharbati", 2700, 0.01),
    ("Madhya Pradesh", "Mandsaur", "Mandsaur", "Soyabean", "Yellow", 4400, 0.012),
    ("Madhya Pradesh", "Mandsaur", "Mandsaur", "Garlic", "Desi", 9000, 0.04),
    ("Uttar Pradesh", "Agra", "Agra", "Potato", "Desi", 1200, 0.02),
    ("Uttar Pradesh", "Agra", "Agra", "Wheat", "Dara", 2450, 0.008),
    ("Uttar Pradesh", "Lucknow", "Lucknow", "Tomato", "Local", 1600, 0.07),
    ("Uttar Pradesh", "Lucknow", "Lucknow", "Potato", "Desi", 1300, 0.02),
    ("Punjab", "Ludhiana", "Ludhiana", "Wheat", "PBW 343", 2425, 0.005),
    ("Punjab", "Ludhiana", "Khanna", "Paddy(Dhan)(Common)", "Common", 2300, 0.006),
    ("Karnataka", "Kolar", "Kolar", "Tomato", "Hybrid", 1200, 0.09),
    ("Karnataka", "Kolar", "Mulbagal", "Tomato", "Local", 1100, 0.09),
    ("Gujarat", "Rajkot", "Rajkot", "Cotton", "Shankar-6", 7200, 0.012),
    ("Gujarat", "Rajkot", "Gondal", "Groundnut", "Bold", 5800, 0.015),
]


def main() -> None:
    rng = random.Random(20261120)
    rows = []
    for state, district, market, commodity, variety, level, vol in SERIES:
        modal = level * rng.uniform(0.9, 1.1)
        for offset in range(DAYS - 1, -1, -1):
            day = LAST_DAY - timedelta(days=offset)
            if day.weekday() == 6 and rng.random() < 0.8:
                continue  # most mandis are closed on Sunday
            # Random walk pulled gently back towards the typical level.
            modal = max(level * 0.4, modal * (1 + rng.gauss(0, vol)) + (level - modal) * 0.05)
            spread = modal * rng.uniform(0.08, 0.2)
            low = round(modal - spread * rng.uniform(0.5, 1.0))
            high = round(modal + spread * rng.uniform(0.5, 1.0))
            grade = "FAQ"
            rows.append([state, district, market, commodity, variety, grade, day.strftime("%d/%m/%Y"),
                         low, high, round(modal)])  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["State", "District", "Market", "Commodity", "Variety", "Grade", "Arrival_Date",
                         "Min_x0020_Price", "Max_x0020_Price", "Modal_x0020_Price"])  # fmt: skip
        writer.writerows(rows)
    print(f"{len(rows)} rows written to {OUT}")


if __name__ == "__main__":
    main()
