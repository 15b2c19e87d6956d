"""/admin/crop-cases: an FPO's admins (and platform admins) follow up farmers' crop-health reports: take one up,
send advice, close it. Live: a new report, or a colleague's step, reloads the list."""

from dataclasses import dataclass
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import local_time
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import crop_cases, glossary, parsing
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.settings import get_settings
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

ADVICE_FORM = {"advice": crop_cases.MAX_ADVICE * 2, "case_id": 12}
VIEWS = ("open", "closed")


@dataclass(frozen=True)
class CaseCard:
    id: int
    farmer: str
    phone: str
    village: str
    crop: str
    issue: str
    severity: str
    note: str
    status: str
    advice: str
    when: str
    escalated: bool


def _cards(principal: Principal, view: str, lang: str) -> tuple[list[CaseCard], list[dict[str, int | str]]]:
    with session_scope() as session:
        rows = crop_cases.cases(session, principal, "resolved" if view == "closed" else None)
        counts = crop_cases.status_counts(session, principal)
    cards = [
        CaseCard(
            r.id,
            r.farmer,
            r.farmer_phone,
            r.village,
            glossary.label("crop", r.crop, lang),
            t(lang, f"crop_issue.{r.issue_type}"),
            r.severity,
            r.note,
            r.status,
            r.advice,
            local_time(r.created_at, lang),
            r.escalated,
        )
        for r in rows
    ]
    # The chart's rows: one bar per step, in the order a case moves.
    bars: list[dict[str, int | str]] = [
        {"status": s, "label": t(lang, f"crop_cases.status.{s}"), "cases": counts.get(s, 0)}
        for s in crop_cases.ALL_STATES
    ]
    return cards, bars


class CropCasesState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.ORG_ADMIN, Role.ADMIN)
    cases: list[CaseCard] = []
    by_status: list[dict[str, int | str]] = []
    view: str = "open"
    message: str = ""
    error: str = ""
    field_errors: dict[str, str] = {}
    escalate_hours: int = 24

    def _ask(self) -> tuple[str, str]:
        return self.view, self.lang

    @staticmethod
    def _fetch(principal: Principal, ask: tuple[str, str]):
        return _cards(principal, *ask)

    def _show(self, result) -> None:
        self.cases, self.by_status = result

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        self.escalate_hours = get_settings().crop_case_escalate_hours
        await self._reload(principal)

    @guarded(clear=("message",))
    async def show(self, principal: Principal, view: str | list[str]):
        chosen = view if isinstance(view, str) else (view[0] if view else "")
        self.view = chosen if chosen in VIEWS else "open"
        await self._reload(principal)

    @guarded(clear=("message",))
    async def acknowledge(self, principal: Principal, case_id: str):
        await self._step(principal, crop_cases.acknowledge, parsing.ident(case_id, "case_not_found"))

    @guarded(clear=("message",))
    async def close(self, principal: Principal, case_id: str):
        await self._step(principal, crop_cases.close, parsing.ident(case_id, "case_not_found"))

    @guarded(error=None, fields="field_errors", clear=("message",), form=ADVICE_FORM)
    async def advise(self, principal: Principal, form: dict):
        case_id = parsing.ident(form.get("case_id", ""), "case_not_found")
        await self._step(principal, crop_cases.give_advice, case_id, form.get("advice", ""))

    async def _step(self, principal: Principal, action, *args) -> None:
        try:
            await off_loop(_in_session, action, principal, self._meta(), *args)
        finally:
            await self._reload(principal)  # a lost race shows the case as it now is, beside the error
        self.message = self._tr("crop_cases.saved")

    live_topics: ClassVar[tuple[str, ...]] = ("crop_health",)
    live_roles: ClassVar[tuple[str, ...]] = (Role.ORG_ADMIN, Role.ADMIN)

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """A farmer reported a problem: the list reloads (its order and counts come from the database)."""
        await off_loop(self._reload_live)


def _in_session(action, principal: Principal, meta: RequestMeta, *args) -> None:
    with session_scope() as session:
        action(session, principal, meta, *args)
