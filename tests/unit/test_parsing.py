"""One reading of typed rupees, quantities and date boxes for every page and route (services/parsing.py)."""

from datetime import UTC, date, datetime

import pytest

from kisaan_app.services import parsing
from kisaan_app.services.errors import ValidationFailed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2150", 215000),
        ("2150.5", 215050),
        ("2,150.50", 215050),
        ("1,25,000.50", 12500050),  # Indian grouping
        ("12,34,56,789", 123456789 * 100),
        ("125,000", 12500000),  # international grouping
        (" ₹ 1,250 ", 125000),
        ("0.01", 1),
    ],
)
def test_rupees_become_paise(text, expected):
    assert parsing.paise(text, "price") == expected


@pytest.mark.parametrize(
    "text", ["abc", "-5", "+5", "1.234", "1,2", "12,3456", "1,,000", ",500", "NaN", "Infinity", "1e5", "0", "0.00"]
)
def test_odd_amounts_are_a_field_error(text):
    with pytest.raises(ValidationFailed) as caught:
        parsing.paise(text, "price", code="price_invalid")
    assert caught.value.code == "price_invalid" and caught.value.field == "price"


def test_amount_over_the_cap_says_so():
    with pytest.raises(ValidationFailed) as caught:
        parsing.paise("1,00,00,00,001", "amount")
    assert caught.value.code == "amount_too_large" and caught.value.params == {"max": parsing.MAX_PAISE // 100}
    assert parsing.paise("1,00,00,00,000", "amount") == parsing.MAX_PAISE


def test_blank_amount_is_none_only_when_optional():
    assert parsing.paise("  ", "min_amount", required=False) is None
    with pytest.raises(ValidationFailed):
        parsing.paise("", "price")
    assert parsing.paise("0", "min_amount", positive=False) == 0


@pytest.mark.parametrize(("text", "expected"), [("12", 12.0), ("1,200.5", 1200.5), ("0.125", 0.125)])
def test_quantities(text, expected):
    assert parsing.quantity(text, "quantity") == expected


@pytest.mark.parametrize("text", ["", "ten", "-1", "1e3", "nan", "1.2.3"])
def test_odd_quantities_are_a_field_error(text):
    with pytest.raises(ValidationFailed) as caught:
        parsing.quantity(text, "quantity")
    assert caught.value.code == "quantity_invalid" and caught.value.field == "quantity"


@pytest.mark.parametrize("text", ["2026-03-31", "31/03/2026", "31-03-2026", " 2026-03-31 "])
def test_date_boxes(text):
    assert parsing.day(text, "since") == date(2026, 3, 31)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "tomorrow", "2026-03-31T00:00", "x" * 1000])
def test_odd_dates_are_a_field_error_not_a_blank_filter(text):
    with pytest.raises(ValidationFailed) as caught:
        parsing.day(text, "since")
    assert caught.value.code == "date_invalid" and caught.value.field == "since"
    assert parsing.day("", "since") is None


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "31/12/9999"])
def test_the_calendars_far_ends_are_refused_before_they_overflow(text):
    with pytest.raises(ValidationFailed) as caught:
        parsing.ist_range(text, text)
    assert caught.value.code == "date_out_of_range" and caught.value.field == "since"


def test_a_range_covers_whole_india_days_in_utc():
    since, until = parsing.ist_range("2026-03-05", "2026-03-06")
    # Midnight IST is 18:30 UTC the evening before; the end is exclusive: the start of the 7th in India.
    assert since == datetime(2026, 3, 4, 18, 30, tzinfo=UTC)
    assert until == datetime(2026, 3, 6, 18, 30, tzinfo=UTC)
    # 02:00 IST on the 5th (20:30 UTC on the 4th) is inside; 00:30 IST on the 7th is not.
    assert since <= datetime(2026, 3, 4, 20, 30, tzinfo=UTC) < until
    assert not datetime(2026, 3, 6, 19, 0, tzinfo=UTC) < until


def test_a_range_may_be_open_and_must_not_be_upside_down():
    assert parsing.ist_range("", "") == (None, None)
    assert parsing.ist_range("2026-03-05", "")[1] is None
    with pytest.raises(ValidationFailed) as caught:
        parsing.ist_range("2026-03-06", "2026-03-05", until_field="date_to")
    assert caught.value.code == "date_range" and caught.value.field == "date_to"


def test_an_inclusive_end_is_the_last_moment_of_the_india_day():
    end = parsing.ist_end(date(2026, 3, 5))
    assert end == datetime(2026, 3, 5, 18, 29, 59, 999999, tzinfo=UTC)
