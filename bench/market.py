"""Marketplace benchmark: 100,000 listings, then the latency of a filtered search page and of placing a bid.

    .venv/bin/python bench/market.py                              # 100,000 listings, SQLite
    .venv/bin/python bench/market.py --listings 100000 --database postgresql

It fills a fresh database (bulk inserts: 20 crops, 36 districts, 3 grades, 2,000 farmers) and times, in
process through the same services the API and pages call: the first and the 50th page of a filtered
search (crop + district, newest first; crop + max price, cheapest first) with its total count, and placing
a bid (validation, row lock, offer, audit, event). Printed: p50/p95/p99 per query over the repetitions,
the database size, and the baseline measured in the same run: the same searches on an unindexed copy of
the listing table (what the indexes buy).
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import percentile  # noqa: E402

CROPS = [
    "Onion",
    "Tomato",
    "Potato",
    "Wheat",
    "Soybean",
    "Cotton",
    "Grapes",
    "Pomegranate",
    "Maize",
    "Bajra",
    "Jowar",
    "Tur",
    "Gram",
    "Groundnut",
    "Garlic",
    "Chilli",
    "Banana",
    "Mango",
    "Rice",
    "Mustard",
]
DISTRICTS = [f"District {i:02d}" for i in range(35)] + ["Nashik"]
REPEAT = 60


def _fill(engine, n: int) -> tuple[list[int], list[int]]:
    import sqlalchemy as sa

    from kisaan_app.models.base import utcnow

    rng = random.Random(7)
    now = utcnow()
    with engine.begin() as conn:
        farmers = 2000
        conn.execute(
            sa.text(
                "INSERT INTO user_account (created_at, updated_at, full_name, role, phone, password_hash, "
                "preferred_language, is_active) VALUES "
                "(:t, :t, :name, :role, :phone, 'x', 'en', true)"
            ),
            [
                {
                    "t": now,
                    "name": f"Farmer {i}",
                    "role": "farmer" if i < farmers else "buyer",
                    "phone": f"+9190{i:08d}",
                }
                for i in range(farmers + 50)
            ],
        )
        ids = [r[0] for r in conn.execute(sa.text("SELECT id, role FROM user_account ORDER BY id"))]
        farmer_ids, buyer_ids = ids[:farmers], ids[farmers:]
        batch = []
        for i in range(n):
            qty = rng.choice([5, 10, 20, 50, 100])
            batch.append(
                {
                    "t": now,
                    "f": rng.choice(farmer_ids),
                    "crop": rng.choice(CROPS),
                    "grade": rng.choice("ABC"),
                    "q": qty * 1000,  # raw SQL: quantities are stored as thousandths (models.base.Quantity)
                    "p": rng.randrange(80_000, 900_000, 500),
                    "d": rng.choice(DISTRICTS),
                }
            )
            if len(batch) == 5000 or i == n - 1:
                conn.execute(
                    sa.text(
                        "INSERT INTO listing (created_at, updated_at, farmer_id, crop, grade, quantity, "
                        "quantity_remaining, unit, asking_price_paise, district, state, status) VALUES "
                        "(:t, :t, :f, :crop, :grade, :q, :q, 'quintal', :p, :d, 'Maharashtra', 'open')"
                    ),
                    batch,
                )
                batch = []
    return farmer_ids, buyer_ids


def _time(fn) -> list[float]:
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _line(name: str, times: list[float]) -> str:
    return (
        f"  {name:<46} p50 {percentile(times, 50):7.2f} ms  p95 {percentile(times, 95):7.2f} ms  "
        f"p99 {percentile(times, 99):7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    import os

    run_dir = Path(tempfile.mkdtemp(prefix="kisaan-bench-market-"))
    if args.database == "postgresql":
        from tests.services import create_pg_database

        url = create_pg_database("kisaan_bench")
    else:
        url = f"sqlite:///{run_dir / 'market.db'}"
    os.environ.update({"DATABASE_URL": url, "KISAAN_ENV": "test", "KISAAN_HUEY_PATH": str(run_dir / "huey.db")})
    os.environ.pop("REDIS_URL", None)
    import sqlalchemy as sa

    import kisaan_app.tasks  # noqa: F401 - registers the named jobs services enqueue in this process
    from kisaan_app import migrations
    from kisaan_app.db import get_engine, session_scope
    from kisaan_app.services.context import Principal, RequestMeta
    from kisaan_app.services.market import bids, listings

    migrations.upgrade("head", url=url)
    t0 = time.perf_counter()
    _farmers, buyer_ids = _fill(get_engine(), args.listings)
    fill_s = time.perf_counter() - t0
    with get_engine().begin() as conn:
        conn.execute(sa.text("ANALYZE" if args.database == "postgresql" else "ANALYZE"))

    def search(f: listings.ListingFilter, offset: int = 0):
        def run():
            with session_scope() as session:
                rows, total = listings.search(session, f, 20, offset)
                assert total >= len(rows)

        return run

    by_district = listings.ListingFilter(crop="Onion", district="Nashik", sort="newest")
    cheapest = listings.ListingFilter(crop="Tomato", max_price_paise=300_000, sort="price_asc")
    everything = listings.ListingFilter(sort="newest")
    results = {
        "search crop+district, newest, page 1": _time(search(by_district)),
        "search crop+max price, cheapest, page 1": _time(search(cheapest)),
        "search crop+max price, cheapest, page 50": _time(search(cheapest, 49 * 20)),
        "browse all, newest, page 1": _time(search(everything)),
    }
    with session_scope() as session:
        open_ids = [r for r in session.exec(sa.text("SELECT id FROM listing ORDER BY id LIMIT 500")).scalars()]
    meta = RequestMeta(ip="127.0.0.1", user_agent="bench")
    counter = iter(range(10**9))

    def place():
        i = next(counter)
        buyer = Principal(buyer_ids[i % len(buyer_ids)], "buyer", "Bench Buyer", None, "en", "bench")
        with session_scope() as session:
            bids.place_bid(session, buyer, meta, open_ids[i % len(open_ids)], 1, 100_000 + i)

    results["place a bid (or raise it)"] = _time(place)

    # Baseline in the same run: the same searches with the listing indexes dropped.
    with get_engine().begin() as conn:
        for index in (
            "ix_listing_status_crop_district",
            "ix_listing_status_created_at",
            "ix_listing_status_price",
            "ix_listing_farmer_id",
            "ix_listing_organization_id",
            "ix_listing_expires_at",
        ):
            conn.execute(sa.text(f"DROP INDEX IF EXISTS {index}"))
    baseline = {
        "search crop+district, newest, page 1": _time(search(by_district)),
        "search crop+max price, cheapest, page 1": _time(search(cheapest)),
    }
    print(f"\nmarket bench — {args.listings:,} open listings on {args.database} (filled in {fill_s:.1f} s)")
    for name, times in results.items():
        print(_line(name, times))
    print("  baseline, same run, listing indexes dropped:")
    for name, times in baseline.items():
        print(_line(name, times))
    if args.database == "postgresql":
        from tests.services import drop_pg_database

        get_engine().dispose()
        drop_pg_database(url)


if __name__ == "__main__":
    main()
