"""One choice in a select (an organisation, say): its value and what the reader sees."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    id: str
    name: str
