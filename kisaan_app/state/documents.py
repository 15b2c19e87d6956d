"""The statement form on /payments: checks the days here (errors beside the boxes, in the farmer's language),
then has the browser download GET /api/documents/statement.pdf, which checks everything again."""

from datetime import date
from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from kisaan_app.models.enums import Role
from kisaan_app.services.context import Principal
from kisaan_app.services.documents.statement import Period
from kisaan_app.services.errors import ErrorCode, ValidationFailed
from kisaan_app.state.guard import guarded
from kisaan_app.state.session import SessionState

STATEMENT_FORM = {"date_from": 10, "date_to": 10, "statement_date_from": "date_from", "statement_date_to": "date_to"}


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(ErrorCode.DATE_INVALID, field=field) from None


class StatementState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.FARMER,)
    statement_errors: dict[str, str] = {}

    @guarded(error=None, fields="statement_errors", form=STATEMENT_FORM)
    async def download(self, principal: Principal, form: dict):
        period = Period(_day(form.get("date_from", ""), "date_from"), _day(form.get("date_to", ""), "date_to"))
        period.check()
        query = urlencode({"date_from": period.date_from.isoformat(), "date_to": period.date_to.isoformat()})
        return rx.download(url=f"/api/documents/statement.pdf?{query}")
