"""Input rules: Indian mobile numbers, emails, GSTIN checksum, passwords, crops, land area."""

import pytest

from kisaan_app.services.accounts.validation import (
    check_crops,
    check_land_area,
    check_password,
    gstin_check_char,
    normalize_email,
    normalize_gstin,
    normalize_identifier,
    normalize_phone,
)
from kisaan_app.services.errors import ValidationFailed


@pytest.mark.parametrize("raw", ["9876543210", "09876543210", "+91 98765 43210", "+91-98765-43210", "919876543210"])
def test_indian_mobiles_become_e164(raw):
    assert normalize_phone(raw) == "+919876543210"


@pytest.mark.parametrize(
    "raw", ["", "12345", "98765", "+1 415 555 0100", "+44 7911 123456", "1800 180 1551", "98765432101234", "call me"]
)
def test_bad_or_foreign_numbers_are_rejected(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone" and exc.value.field == "phone"


def test_identifier_is_phone_or_email():
    assert normalize_identifier(" 98765 43210 ") == "+919876543210"
    assert normalize_identifier("Ramesh@Example.in") == "ramesh@example.in"
    with pytest.raises(ValidationFailed):
        normalize_identifier("   ")


def test_email_rules():
    assert normalize_email("A.B@Example.COM") == "a.b@example.com"
    with pytest.raises(ValidationFailed) as exc:
        normalize_email("not-an-email")
    assert exc.value.code == "invalid_email"


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4"])
def test_valid_gstins(gstin):
    assert normalize_gstin(gstin.lower()) == gstin
    assert gstin_check_char(gstin[:14]) == gstin[14]


@pytest.mark.parametrize(
    "gstin", ["27AAPFU0939F1ZX", "99AAPFU0939F1ZV", "27AAPFU0939F1Z", "27AAPFU0939F1AV", "ABCDEFGHIJKLMNO"]
)
def test_invalid_gstins(gstin):
    with pytest.raises(ValidationFailed) as exc:
        normalize_gstin(gstin)
    assert exc.value.code == "invalid_gstin"


def test_empty_gstin_is_allowed():
    assert normalize_gstin("  ") is None


def test_password_bounds():
    with pytest.raises(ValidationFailed) as exc:
        check_password("seven77")
    assert exc.value.params == {"min": 8}
    with pytest.raises(ValidationFailed):
        check_password("x" * 129)
    assert check_password("eight888") == "eight888"


def test_crops_are_cleaned_and_deduplicated():
    assert check_crops("onion, Onion ,  green  chilli,,") == ["Onion", "Green Chilli"]
    with pytest.raises(ValidationFailed):
        check_crops([f"crop{i}" for i in range(21)])


def test_land_area():
    assert check_land_area("2.456") == 2.46
    assert check_land_area("") is None
    for bad in ("-1", "abc", "100001"):
        with pytest.raises(ValidationFailed):
            check_land_area(bad)
