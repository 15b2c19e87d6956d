"""Agmarknet CSV import: header spellings, dates, numbers, per-row isolation, the shifted sample (SQLite and PG)."""

import csv
import io
import runpy
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import DataError
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.feeds import prices

TODAY = date.today()


def _rows() -> list[MandiPrice]:
    with session_scope() as session:
        return list(session.exec(select(MandiPrice).order_by(MandiPrice.market, MandiPrice.arrival_date)).all())


def test_spreadsheet_headers_iso_dates_and_decimal_rupees(db):
    # Spaces instead of _x0020_, any case, extra columns, columns in another order: all the same file.
    text = (
        "  arrival date ,STATE,District,Market,Commodity,Variety,Grade,Modal Price,Min Price,Max Price,Remarks\n"
        f"{TODAY.isoformat()},Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,2400.005,2000.5,2600,fresh\n"
        f'{TODAY.strftime("%d/%m/%Y")},Madhya Pradesh,Indore,Indore,Soyabean,Yellow,FAQ,"4,500",4300,4700,\n'
    )
    with session_scope() as session:
        report = prices.import_csv(session, text.splitlines(keepends=True), source="upload")
    assert (report.inserted, report.updated, report.skipped, report.total) == (2, 0, [], 2)
    indore, lasalgaon = _rows()
    assert (lasalgaon.min_price_paise, lasalgaon.modal_price_paise, lasalgaon.max_price_paise) == (
        200050,
        240001,  # 2400.005 rupees: half a paisa rounds up
        260000,
    )
    assert indore.modal_price_paise == 450000 and indore.source == "upload"


@pytest.mark.parametrize(
    ("modal", "message"),
    [
        ("nan", "modal_price is not a number"),
        ("Infinity", "modal_price is not a number"),
        ("-5", "modal_price is negative"),
        ("25000000", "modal_price is too large"),  # more than Rs 1 crore per quintal: a typo
        ("NR", "modal_price is not a number"),  # Agmarknet's "not reported"
    ],
)
def test_numbers_that_are_not_prices_skip_the_row_not_the_file(db, modal, message):
    text = (
        "State,District,Market,Commodity,Arrival_Date,Min_x0020_Price,Max_x0020_Price,Modal_x0020_Price\n"
        f"Maharashtra,Nashik,Lasalgaon,Onion,{TODAY:%d/%m/%Y},0,3000,{modal}\n"
        f"Maharashtra,Nashik,Pimpalgaon,Onion,{TODAY:%d/%m/%Y},2000,3000,2500\n"
    )
    with session_scope() as session:
        report = prices.import_csv(session, io.StringIO(text))
    assert [(e.line, e.message.split(":")[0]) for e in report.skipped] == [(2, message)]
    assert [r.market for r in _rows()] == ["Pimpalgaon"] and report.total == 2


def test_a_file_saved_by_excel_with_a_bom_and_no_variety_column(db, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "State,District,Market,Commodity,Arrival_Date,Min Price,Max Price,Modal Price\n"
        f"Punjab,Ludhiana,Khanna,Wheat,{TODAY:%d/%m/%Y},2400,2450,2425\n",
        encoding="utf-8-sig",
    )
    with session_scope() as session:
        assert prices.import_csv_file(session, path).inserted == 1
    with session_scope() as session, open(path, encoding="utf-8", newline="") as raw:  # BOM left in the header
        assert prices.import_csv(session, raw).updated == 1
    [row] = _rows()
    assert (row.variety, row.grade, row.modal_price_paise) == ("Other", "FAQ", 242500)


def test_empty_file_and_missing_columns_are_whole_file_errors(db):
    with session_scope() as session:
        with pytest.raises(ValidationFailed) as empty:
            prices.import_csv(session, io.StringIO(""))
        with pytest.raises(ValidationFailed) as missing:
            prices.import_csv(session, io.StringIO("State,District,Market,Commodity,Arrival_Date,Min Price\n"))
    assert empty.value.code == "csv_empty"
    assert missing.value.code == "csv_missing_columns"
    assert missing.value.params["columns"] == "max_price, modal_price"
    assert _rows() == []


def test_a_row_the_database_refuses_is_reported_and_the_rest_still_land(db, monkeypatch):
    real_upsert = prices.upsert

    def refuse_pune(session, record, source="import"):
        if record.market == "Pune":
            raise DataError("INSERT", {}, Exception("value out of range"))
        return real_upsert(session, record, source)

    monkeypatch.setattr(prices, "upsert", refuse_pune)
    text = (
        "State,District,Market,Commodity,Arrival_Date,Min Price,Max Price,Modal Price\n"
        f"Maharashtra,Pune,Manchar,Potato,{TODAY:%d/%m/%Y},1500,1900,1700\n"
        f"Maharashtra,Pune,Pune,Potato,{TODAY:%d/%m/%Y},1500,1900,1700\n"
        f"Maharashtra,Pune,Manchar,Tomato,{TODAY:%d/%m/%Y},900,1300,1100\n"
    )
    with session_scope() as session:
        report = prices.import_csv(session, io.StringIO(text))
    assert (report.inserted, [(e.line, e.message) for e in report.skipped]) == (
        2,
        [(3, "rejected by the database: Exception")],
    )
    assert [(r.market, r.commodity) for r in _rows()] == [("Manchar", "Potato"), ("Manchar", "Tomato")]


def test_a_row_another_import_inserted_meanwhile_becomes_an_update(db, monkeypatch):
    line = f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{TODAY:%d/%m/%Y},2000,2600,2400\n"
    header = "State,District,Market,Commodity,Variety,Grade,Arrival_Date,Min Price,Max Price,Modal Price\n"
    with session_scope() as session:
        prices.import_csv(session, io.StringIO(header + line))
    # Our SELECT misses the row once, as if the other import committed between our SELECT and our INSERT.
    real_find, misses = prices._find, iter([True])
    monkeypatch.setattr(prices, "_find", lambda s, r: None if next(misses, False) else real_find(s, r))
    with session_scope() as session:
        report = prices.import_csv(session, io.StringIO(header + line.replace(",2400", ",2500")))
    assert (report.inserted, report.updated, report.skipped) == (0, 1, [])
    [row] = _rows()
    assert row.modal_price_paise == 250000


def test_sample_lands_its_newest_day_on_the_given_day_keeping_every_row(db):
    with prices.SAMPLE_CSV.open(encoding="utf-8") as handle:
        sample = list(csv.DictReader(handle))
    newest = max(prices._date(r["Arrival_Date"]) for r in sample)
    day = date(2027, 3, 15)  # any day: the shift is computed, not assumed
    with session_scope() as session:
        report = prices.import_sample(session, today=day)
    assert (report.inserted, report.skipped) == (len(sample), [])
    with session_scope() as session:
        first, last = session.exec(select(func.min(MandiPrice.arrival_date), func.max(MandiPrice.arrival_date))).one()
        sources = session.exec(select(MandiPrice.source).distinct()).all()
    oldest = min(prices._date(r["Arrival_Date"]) for r in sample)
    assert last == day and first == day - (newest - oldest) and sources == ["demo"]
    assert (newest - oldest).days == 59  # 60 days of history


def test_sample_generator_is_deterministic_and_its_prices_are_plausible(tmp_path):
    out = tmp_path / "sample.csv"
    generator = runpy.run_path("tools/make_sample_prices.py", run_name="not_main")
    generator["main"].__globals__["OUT"] = out  # run_path hands back a copy; main() reads its own globals
    generator["main"]()
    assert out.read_bytes() == prices.SAMPLE_CSV.read_bytes()
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    series = {(r["Market"], r["Commodity"], r["Variety"]) for r in rows}
    states = {r["State"] for r in rows}
    assert len(series) >= 20 and {"Maharashtra", "Madhya Pradesh", "Uttar Pradesh", "Punjab", "Karnataka"} <= states
    typical = {"Onion": (1000, 4500), "Wheat": (2000, 3300), "Soyabean": (3800, 5300), "Tomato": (400, 4000)}
    for row in rows:
        low, high, modal = (int(row[k]) for k in ("Min_x0020_Price", "Max_x0020_Price", "Modal_x0020_Price"))
        assert low <= modal <= high
        if row["Commodity"] in typical:
            lo, hi = typical[row["Commodity"]]
            assert lo <= modal <= hi, row


def test_future_dates_are_judged_after_the_sample_shift(db):
    # A row dated after today is refused on import...
    tomorrow2 = TODAY + timedelta(days=2)
    text = (
        "State,District,Market,Commodity,Arrival_Date,Min Price,Max Price,Modal Price\n"
        f"MH,Nashik,L,Onion,{tomorrow2:%d/%m/%Y},1,3,2\n"
    )
    with session_scope() as session:
        assert prices.import_csv(session, io.StringIO(text)).skipped[0].message == "arrival_date is in the future"
        # ...but the same row shifted back a week is history, and is stored.
        shifted = prices.import_csv(session, io.StringIO(text), shift_days=-7)
    assert shifted.inserted == 1 and _rows()[0].arrival_date == tomorrow2 - timedelta(days=7)
