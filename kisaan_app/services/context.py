"""Who is asking and from where: the two small values every service call carries."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Principal:
    """The signed-in person as the services see them (re-read from the database on every request)."""

    id: int
    role: str
    full_name: str
    organization_id: int | None
    language: str
    session_id: str
    phone: str | None = None
    email: str | None = None

    @property
    def label(self) -> str:
        return self.phone or self.email or f"user:{self.id}"
