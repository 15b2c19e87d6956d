"""Input rules for people's details: Indian mobile numbers, emails, GSTINs, passwords, names."""

import re
import unicodedata
from datetime import UTC, date, datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from kisaan_app.services import glossary
from kisaan_app.services.errors import ValidationFailed

PASSWORD_MIN, PASSWORD_MAX = 8, 128
NAME_MIN, NAME_MAX = 2, 120
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """E.164 for an Indian mobile number given as 98xxxxxxxx, 098…, +91 98… or with spaces."""
    try:
        number = phonenumbers.parse(raw.strip(), "IN")
    except phonenumbers.NumberParseException:
        raise ValidationFailed("invalid_phone", field=field) from None
    if (
        phonenumbers.region_code_for_number(number) != "IN"
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise ValidationFailed("invalid_phone", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, *, field: str = "email") -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed("invalid_email", field=field) from None


def looks_like_email(identifier: str) -> bool:
    return "@" in identifier


def normalize_identifier(identifier: str) -> str:
    """A login identifier (phone or email) in its stored form; raises for neither."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise ValidationFailed("identifier_required", field="identifier")
    return (
        normalize_email(identifier, field="identifier")
        if looks_like_email(identifier)
        else normalize_phone(identifier, field="identifier")
    )


def check_password(password: str, *, field: str = "password") -> str:
    if len(password or "") < PASSWORD_MIN:
        raise ValidationFailed("password_too_short", field=field, min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed("password_too_long", field=field, max=PASSWORD_MAX)
    return password


def check_name(name: str, *, field: str = "full_name") -> str:
    name = " ".join((name or "").split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValidationFailed("invalid_name", field=field, min=NAME_MIN, max=NAME_MAX)
    return name


# Names of people, places and crops: letters and marks of ANY script (Devanagari's vowel signs and virama are
# marks, not letters, so a Latin whitelist or a bare \w refuses "पिंपलगाँव"), digits, the joiners Indian scripts
# need (ZWJ/ZWNJ), spaces and a little punctuation. No control, symbol or markup characters.
NAME_PUNCTUATION = frozenset(" .,()'&/+-\u200c\u200d")


def is_plain_name(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch)[0] in "LMN" or ch in NAME_PUNCTUATION for ch in text)


def check_plain_name(value: str | None, *, field: str, code: str, shortest: int = 2, longest: int = 80) -> str | None:
    """A name in any Indian (or other) script, spaces tidied and Unicode composed; blank → None."""
    value = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not value:
        return None
    if not shortest <= len(value) <= longest or not is_plain_name(value):
        raise ValidationFailed(code, field=field)
    return value


def optional_text(value: str | None, *, field: str, max_len: int) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > max_len:
        raise ValidationFailed("too_long", field=field, max=max_len)
    return value or None


_GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_char(first14: str) -> str:
    """The GSTN checksum: alternate weights 1,2 over base-36 digits, folded, mod 36."""
    total = 0
    for i, ch in enumerate(first14):
        product = _GSTIN_CHARS.index(ch) * (2 if i % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def normalize_gstin(raw: str | None, *, field: str = "gstin") -> str | None:
    value = (raw or "").strip().upper().replace(" ", "")
    if not value:
        return None
    if not _GSTIN_RE.match(value) or not 1 <= int(value[:2]) <= 38 or gstin_check_char(value[:14]) != value[14]:
        raise ValidationFailed("invalid_gstin", field=field)
    return value


def check_crops(crops: list[str] | str | None) -> list[str]:
    if isinstance(crops, str):
        crops = crops.split(",")
    cleaned: list[str] = []
    for crop in crops or []:
        name = glossary.canonical("crop", str(crop))  # "प्याज़" and "onion" are the Onion the mandis price
        if not name:
            continue
        if len(name) > 40:
            raise ValidationFailed("too_long", field="crops", max=40)
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > 20:
        raise ValidationFailed("too_many_crops", field="crops", max=20)
    return cleaned


def check_land_area(value: float | str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        area = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_number", field="land_area_acres") from None
    if not 0 <= area <= 100_000:
        raise ValidationFailed("invalid_land_area", field="land_area_acres")
    return round(area, 2)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def check_day(day: date | None, field: str) -> date | None:
    """A day a filter may name. The calendar's far ends (0001-01-01, 9999-12-31) overflow once turned from IST
    into UTC or moved by a day, so they are refused here with a clear message rather than failing in a query."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed("date_out_of_range", field=field)
    return day


def check_moment(moment: datetime | None, field: str) -> datetime | None:
    """A point in time a filter may name, as an aware UTC datetime (no offset given: UTC), within check_day's
    range; refused with date_out_of_range where moving it to UTC would leave the calendar."""
    if moment is None:
        return None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed("date_out_of_range", field=field) from None
    check_day(moment.date(), field)
    return moment
