"""The audit log page: filters and paging over AuditLog (org admins: their organisation's)."""

from datetime import UTC, date, datetime, time, timedelta

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.services import audit
from kisaan_app.state.paging import PagedListMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState


def _day(value: str, *, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


class AuditState(PagedListMixin, SessionState):
    page_size = 30
    rows: list[dict[str, str]] = []
    action_filter: str = ""
    outcome_filter: str = ""
    search: str = ""
    since: str = ""
    until: str = ""

    def _guard(self):
        return self.authorize(*ADMIN_ROLES)

    def _refresh(self, principal) -> None:
        flt = audit.AuditFilter(
            action=self.action_filter or None,
            outcome=self.outcome_filter or None,
            search=self.search or None,
            since=_day(self.since),
            until=_day(self.until, end=True),
        )
        with session_scope() as session:
            rows, self.total = audit.query(session, principal, flt, limit=self.page_size, offset=self.offset)
        self.rows = [
            {
                "when": r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                "who": r.actor_label or (f"user:{r.actor_id}" if r.actor_id else "—"),
                "action": r.action,
                "target": f"{r.target_type}:{r.target_id}" if r.target_type else "—",
                "outcome": r.outcome,
                "ip": r.ip or "—",
                "details": ", ".join(f"{k}={v}" for k, v in (r.details or {}).items()) or "—",
            }
            for r in rows
        ]

    @rx.event
    def apply_filters(self, form: dict):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.action_filter = str(form.get("action", ""))[:60]
        self.outcome_filter = str(form.get("outcome", ""))
        self.search = str(form.get("search", "")).strip()[:100]
        self.since, self.until = str(form.get("since", "")), str(form.get("until", ""))
        self.page = 1
        self._refresh(principal)
