"""One JSON shape for every API error: {"error": {"code", "message", "field", "details"}}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as db_errors
from starlette.exceptions import HTTPException as StarletteHTTPException

from kisaan_app.db import is_outage
from kisaan_app.i18n import error_text, from_accept_language
from kisaan_app.services.errors import DomainError, ErrorCode, FieldErrors, ServiceUnavailable

log = logging.getLogger(__name__)

_HTTP_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
DATABASE_RETRY_SECONDS = 5


def request_language(request: Request) -> str:
    return from_accept_language(request.headers.get("accept-language"))


def problem(status: int, code: str, message: str, *, field: str | None = None, details=None, headers=None):
    body = {"error": {"code": code, "message": message, "field": field, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def body_too_large(request: Request, limit: int, code: str = "body_too_large") -> JSONResponse:
    """413 for a request body over its route's limit (api/edge/body_limit.py)."""
    message = error_text(request_language(request), code, max_kb=max(1, limit // 1024))
    return problem(413, code, message, details={"max_bytes": limit}, headers={"Connection": "close"})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        retry_after = getattr(exc, "retry_after_seconds", None)  # RateLimited, ServiceUnavailable
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if exc.status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        lang = request_language(request)
        message = error_text(lang, exc.code, **exc.params)
        details = dict(exc.params)
        if isinstance(exc, FieldErrors):  # every wrong field of the form, each with its own words
            details["errors"] = [
                {"field": e.field, "code": e.code, "message": error_text(lang, e.code, **e.params)} for e in exc.errors
            ]
        return problem(exc.status, exc.code, message, field=exc.field, details=details, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())[1:]) or None, "message": err.get("msg")}
            for err in exc.errors()
        ]
        first = errors[0]["field"] if errors else None
        message = error_text(request_language(request), "invalid_request")
        return problem(422, "invalid_request", message, field=first, details={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 413 and isinstance(getattr(exc, "limit", None), int):
            return body_too_large(request, exc.limit, getattr(exc, "code", "body_too_large"))
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = error_text(request_language(request), code) if code in _HTTP_CODES.values() else str(exc.detail)
        return problem(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(db_errors.DBAPIError)
    @app.exception_handler(db_errors.DisconnectionError)
    @app.exception_handler(db_errors.TimeoutError)
    async def _database(request: Request, exc: Exception):
        if not is_outage(exc):
            return await _unexpected(request, exc)  # a bad statement is our bug, not an outage
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        gone = ServiceUnavailable(ErrorCode.DATABASE_UNAVAILABLE, retry_after_seconds=DATABASE_RETRY_SECONDS)
        return await _domain(request, gone)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "server_error", error_text(request_language(request), "server_error"))
