"""The `Idempotency-Key` header on writes a phone may queue offline and replay (services/idempotency.py):
the same key from the same person returns the first answer, status and body, marked `Idempotent-Replayed`."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from kisaan_app.services import idempotency
from kisaan_app.services.context import Principal

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=64,
        description="8–64 letters, digits or _.:- chosen by the client; a repeat returns the first answer",
    ),
]


def run_once(
    session: Session,
    actor: Principal,
    key: str | None,
    operation: str,
    request: BaseModel | dict[str, Any] | None,
    status_code: int,
    write: Callable[[], Any],
) -> JSONResponse:
    asked = request.model_dump(mode="json") if isinstance(request, BaseModel) else jsonable_encoder(request or {})

    def _write() -> tuple[int, dict]:
        return status_code, jsonable_encoder(write())

    answer = idempotency.once(session, actor, key, operation, asked, _write)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)
