"""/api/crop-cases: FPO admins and extension workers follow up farmers' crop-health reports; the farmer closes
their own. The same service calls as the /admin/crop-cases page."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep
from kisaan_app.api.ids import RowId
from kisaan_app.models.feeds import CropHealthReport
from kisaan_app.services import crop_cases

router = APIRouter(prefix="/api/crop-cases", tags=["crop health"])


class CaseOut(BaseModel):
    id: int
    farmer: str
    farmer_phone: str
    village: str
    crop: str
    issue_type: str
    severity: str
    source: str
    note: str
    status: str
    advice: str
    created_at: datetime
    escalated: bool


class StepOut(BaseModel):
    id: int
    status: str
    advice: str | None


class AdviceIn(BaseModel):
    advice: str = Field(min_length=1, max_length=crop_cases.MAX_ADVICE * 2)  # spaces are tidied by the service


@router.get("", response_model=list[CaseOut])
def list_cases(
    session: SessionDep,
    viewer: CurrentPrincipal,
    status: Annotated[str | None, Query(max_length=14)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[CaseOut]:
    return [CaseOut(**vars(row)) for row in crop_cases.cases(session, viewer, status, limit)]


def _step(row: CropHealthReport) -> StepOut:
    return StepOut(id=row.id or 0, status=row.status, advice=row.advice)


@router.post("/{case_id}/acknowledge", response_model=StepOut)
def acknowledge(case_id: RowId, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal) -> StepOut:
    return _step(crop_cases.acknowledge(session, actor, meta, case_id))


@router.post("/{case_id}/advice", response_model=StepOut)
def advise(case_id: RowId, body: AdviceIn, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal) -> StepOut:
    return _step(crop_cases.give_advice(session, actor, meta, case_id, body.advice))


@router.post("/{case_id}/close", response_model=StepOut)
def close(case_id: RowId, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal) -> StepOut:
    return _step(crop_cases.close(session, actor, meta, case_id))
