"""Printable documents: a farmer's statement for a period and a payment's receipt, as PDF.

Signed-in only. The statement: the farmer themself, their FPO's admin, an admin (`farmer_id` for the last two).
The receipt: only the payer and the farmer who sold; anyone else gets 404. Drawing a PDF takes tens of
milliseconds of CPU, so it runs in the thread pool (these are sync routes) after the session has been read.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.ids import RowId
from kisaan_app.i18n import resolve_language
from kisaan_app.services.documents import receipt as receipts
from kisaan_app.services.documents import render, statement
from kisaan_app.services.ratelimit import take
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/documents", tags=["documents"])
Language = Annotated[str | None, Query(max_length=8, pattern=r"^[a-z]{2,3}$")]


def _pdf(content: bytes, filename: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",  # money figures: never in a shared cache
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type="application/pdf", headers=headers)


@router.get("/statement.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def statement_pdf(
    session: SessionDep,
    principal: CurrentPrincipal,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    farmer_id: Annotated[RowId | None, Query()] = None,
    lang: Language = None,
) -> Response:
    take(get_settings().document_rate_per_user, "documents", str(principal.id))
    st = statement.statement_for(session, principal, statement.Period(date_from, date_to), farmer_id)
    language = resolve_language(lang) if lang else st.language
    name = f"statement-{st.farmer_id}-{date_from.isoformat()}-{date_to.isoformat()}.pdf"
    return _pdf(render.statement_pdf(st, language), name)


@router.get("/receipts/{receipt}.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def receipt_pdf(
    session: SessionDep,
    principal: CurrentPrincipal,
    receipt: Annotated[str, Path(min_length=6, max_length=40, pattern=r"^[A-Za-z0-9_]+$")],
    lang: Language = None,
) -> Response:
    take(get_settings().document_rate_per_user, "documents", str(principal.id))
    found = receipts.receipt_for(session, principal, receipt)
    return _pdf(render.receipt_pdf(found, resolve_language(lang) if lang else principal.language), f"{receipt}.pdf")
