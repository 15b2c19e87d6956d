"""/api/audit: the audit log for admins (org admins: their organisation's entries)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.ids import MAX_OFFSET, RowId
from kisaan_app.services import audit

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    id: int
    created_at: datetime
    actor_id: int | None
    actor_label: str | None
    organization_id: int | None
    action: str
    target_type: str | None
    target_id: str | None
    outcome: str
    ip: str | None
    details: dict


class AuditPage(BaseModel):
    total: int
    items: list[AuditEntryOut]


@router.get("", response_model=AuditPage)
def list_entries(
    principal: CurrentPrincipal,
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=60)] = None,
    outcome: str | None = None,
    actor_id: RowId | None = None,
    organization_id: RowId | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
):
    flt = audit.AuditFilter(
        action=action, outcome=outcome, actor_id=actor_id, organization_id=organization_id, since=since, until=until
    )
    rows, total = audit.query(session, principal, flt, limit=limit, offset=offset)
    return AuditPage(total=total, items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows])
