"""Reading a members CSV the way spreadsheets actually save it, and writing one back safely.

Excel on Windows saves "CSV" as CP1252 (or UTF-16 for "Unicode text"), LibreOffice and Google Sheets as UTF-8,
often with a byte-order mark; Indian names need UTF-8 or UTF-16. We try, in order: a BOM (UTF-8 or UTF-16),
strict UTF-8, then CP1252 (whose five undefined bytes still fail). NUL bytes, a file over the size limit and a
field over the csv module's limit are refused with a clear code, never half-read.
"""

import codecs
import csv
import io
import re

from kisaan_app.services.errors import ValidationFailed

MAX_FIELD = 1000  # characters in one cell: far above any name or crop list, far below what hurts
# A cell starting with one of these is a formula to Excel / Sheets (CWE-1236): written out with a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_SPACES = re.compile(r"\s+")


def decode(raw: bytes, max_bytes: int) -> str:
    if len(raw) > max_bytes:
        raise ValidationFailed("import_file_too_large", field="file", kb=max_bytes // 1000)
    if raw.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # UTF-16 without a BOM, or a binary file: not guessed at
        return text
    raise ValidationFailed("csv_encoding", field="file")


def header_key(name: str) -> str:
    return _SPACES.sub("_", name.strip().lower())


def rows(text: str, max_rows: int) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (normalised) and each data line with its line number in the file (the header is line 1).
    Blank lines are skipped; more data lines than `max_rows` is an error before anything else is checked."""
    first = text.split("\n", 1)[0]
    # Excel's "Unicode text" is tab-separated, and a European-locale Excel separates by semicolons.
    delimiter = next((d for d in ("\t", ";") if d in first and "," not in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise ValidationFailed("csv_empty", field="file")
        names = [header_key(h) for h in header]
        found: list[tuple[int, dict[str, str]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(found) >= max_rows:
                raise ValidationFailed("csv_too_many_rows", field="file", limit=max_rows)
            if any(len(cell) > MAX_FIELD for cell in cells):
                raise ValidationFailed("csv_field_too_long", field="file", line=reader.line_num, limit=MAX_FIELD)
            found.append((reader.line_num, {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names)}))
    except csv.Error:  # an unclosed quote running past the field limit, a NUL: the line where it broke
        raise ValidationFailed("csv_malformed", field="file", line=reader.line_num) from None
    if not found:
        raise ValidationFailed("csv_empty", field="file")
    return names, found


def safe_cell(value: object) -> str:
    """A value as a spreadsheet should show it: text that would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write(header: list[str], lines: list[list[object]]) -> str:
    """CSV with a UTF-8 BOM (so Excel reads Devanagari), every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([[safe_cell(v) for v in line] for line in lines])
    return "\ufeff" + out.getvalue()
