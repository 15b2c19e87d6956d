"""The audit log page: filters and paging over AuditLog (org admins: their organisation's)."""

from dataclasses import dataclass
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.services import audit, parsing
from kisaan_app.services.context import Principal
from kisaan_app.state.guard import guarded
from kisaan_app.state.paging import PagedListMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState

FILTER_FORM = {"action": 60, "outcome": 20, "search": 100, "since": 10, "until": 10}
FILTER_FORM |= {"filter_action": "action", "filter_outcome": "outcome"}  # element ids (guard.check_form)


@dataclass(frozen=True)
class AuditRow:
    when: str
    who: str
    action: str
    target: str
    outcome: str
    ip: str
    details: str


class AuditState(PagedListMixin, SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    page_size: ClassVar[int] = 30
    rows: list[AuditRow] = []
    action_filter: str = ""
    outcome_filter: str = ""
    search: str = ""
    since: str = ""
    until: str = ""

    def _ask(self):
        # Whole days in India (an entry at 02:00 IST on the 5th is on the 5th), the same as the payments filter.
        since, until = parsing.ist_range(self.since, self.until)
        flt = audit.AuditFilter(
            action=self.action_filter or None,
            outcome=self.outcome_filter or None,
            search=self.search or None,
            since=since,
            until=until,
        )
        return flt, self.page_size, self.offset, self.lang

    @staticmethod
    def _fetch(principal, ask):
        flt, limit, offset, lang = ask
        with session_scope() as session:
            found, total = audit.query(session, principal, flt, limit=limit, offset=offset)
            rows = [
                AuditRow(v.when, v.who, v.action, v.target, v.outcome, v.ip, v.details)
                for v in audit.readable(session, found, lang)
            ]
        return rows, total

    def _show(self, result) -> None:
        self.rows, self.total = result

    @guarded(form=FILTER_FORM)
    async def apply_filters(self, principal: Principal, form: dict):
        self.action_filter = form.get("action", "")
        self.outcome_filter = form.get("outcome", "")
        self.search = form.get("search", "").strip()
        self.since, self.until = form.get("since", ""), form.get("until", "")
        self.page = 1
        try:
            await self._reload(principal)
        except Exception:
            self.rows, self.total = [], 0
            raise
