"""The type of a row id a caller hands us (path, query or body): a positive integer that fits the id columns.

An id past 2**31 - 1 cannot name a row (PostgreSQL's integer ids; SQLite cannot even bind a value past 2**63), and
unchecked it reaches the database driver and becomes a 500. Refused here, it is an ordinary 422.
"""

from typing import Annotated

from annotated_types import Ge, Le

MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
MAX_PAISE = 2**63 - 1  # money columns are 64-bit: a filter past that cannot match and would not bind
MAX_OFFSET = 1_000_000  # paging past a million rows is no page anyone reads; SQLite cannot bind past 2**63
