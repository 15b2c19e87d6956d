"""/api/inbox: the in-app notification inbox, the person's own only; marking read honours `Idempotency-Key`
(a phone marks read offline and replays it later)."""

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.idempotent import IdempotencyKey, run_once
from kisaan_app.api.ids import RowId
from kisaan_app.services import inbox
from kisaan_app.services.context import Principal

router = APIRouter(prefix="/api/inbox", tags=["inbox"])


class InboxItemOut(BaseModel):
    id: int
    category: str
    title: str
    body: str
    url: str
    critical: bool
    read: bool
    created_at: datetime


class InboxOut(BaseModel):
    items: list[InboxItemOut]
    unread: int


class MarkedOut(BaseModel):
    changed: int
    unread: int


@router.get("", response_model=InboxOut)
def my_inbox(session: SessionDep, reader: CurrentPrincipal) -> InboxOut:
    items = [InboxItemOut(**vars(i)) for i in inbox.recent(session, reader.id, limit=20)]
    return InboxOut(items=items, unread=inbox.unread_count(session, reader.id))


def _mark(session: Session, reader: Principal, notification_id: int | None) -> MarkedOut:
    changed = inbox.mark_read(session, reader, notification_id)
    return MarkedOut(changed=changed, unread=inbox.unread_count(session, reader.id))


@router.post("/{notification_id}/read", response_model=MarkedOut)
def mark_read(
    notification_id: RowId, session: SessionDep, reader: CurrentPrincipal, key: IdempotencyKey = None
) -> JSONResponse:
    """Marks one of your own notifications read (someone else's id changes nothing)."""
    return run_once(
        session,
        reader,
        key,
        f"inbox.read:{notification_id}",
        None,
        200,
        lambda: _mark(session, reader, notification_id),
    )


@router.post("/read-all", response_model=MarkedOut)
def mark_all_read(session: SessionDep, reader: CurrentPrincipal, key: IdempotencyKey = None) -> JSONResponse:
    return run_once(session, reader, key, "inbox.read_all", None, 200, lambda: _mark(session, reader, None))
