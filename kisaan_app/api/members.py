"""/api/members/imports: an FPO admin uploads a members CSV; the import's progress; its results as CSV."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep
from kisaan_app.api.ids import RowId
from kisaan_app.models.onboarding import MemberImport
from kisaan_app.services.onboarding import members
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/members/imports", tags=["members"])


class ImportOut(BaseModel):
    id: int
    file_name: str
    status: str
    total_rows: int
    done_rows: int
    created_count: int
    existing_count: int
    created_at: datetime
    finished_at: datetime | None


def _out(job: MemberImport) -> ImportOut:
    return ImportOut.model_validate(job, from_attributes=True)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ImportOut)
def upload(
    file: UploadFile,
    session: SessionDep,
    meta: MetaDep,
    admin: CurrentPrincipal,
    organization_id: Annotated[RowId | None, Query()] = None,
) -> ImportOut:
    """A plain `def` (runs in a worker thread). Every line is checked; any bad line: 422 `import_has_errors`
    with `details.lines`, and nothing is written. The same file again answers with its first import."""
    raw = file.file.read(get_settings().member_import_max_bytes + 1)
    job = members.start_import(session, admin, meta, raw, file.filename or "members.csv", organization_id)
    return _out(job)


@router.get("", response_model=list[ImportOut])
def recent(
    session: SessionDep, viewer: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[ImportOut]:
    return [_out(job) for job in members.recent_imports(session, viewer, limit)]


@router.get("/{import_id}", response_model=ImportOut)
def progress(import_id: RowId, session: SessionDep, viewer: CurrentPrincipal) -> ImportOut:
    return _out(members.visible_import(session, viewer, import_id))


@router.get("/{import_id}/rows.csv")
def rows_csv(import_id: RowId, session: SessionDep, viewer: CurrentPrincipal) -> Response:
    text = members.rows_csv(session, viewer, import_id)
    headers = {"Content-Disposition": f'attachment; filename="member-import-{import_id}.csv"'}
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)
