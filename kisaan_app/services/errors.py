"""Typed domain errors. The API maps them to JSON problems; pages translate `code` into the reader's language."""

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, code: str | None = None, *, field: str | None = None, **params: Any) -> None:
        self.code = code or self.code
        self.field = field
        self.params = params
        super().__init__(self.code)


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"


class AuthenticationFailed(DomainError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after_seconds: int, **params: Any) -> None:
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        minutes = max(1, -(-self.retry_after_seconds // 60))
        super().__init__("rate_limited", minutes=minutes, **params)
