"""/admin/alerts: issue an IMD-style weather warning for a district; it reaches its farmers at once."""

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist
from kisaan_app.models.base import utcnow
from kisaan_app.services import directory, parsing
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import ADMIN_ROLES, SessionState

VALID_HOURS = ("6", "12", "24", "48", "72")
ALERT_FORM = {"district": 80, "state": 80, "severity": 10, "valid_hours": 3, "title": 160, "message": 1000}
# Inputs with an element id also arrive under that id (state/guard.py check_form).
ALERT_FORM |= {f"alert_{name}": name for name in ("district", "state", "severity", "title", "message")}
ALERT_FORM |= {"alert_hours": "valid_hours"}


@dataclass(frozen=True)
class AlertRow:
    id: str
    district: str
    severity: str
    title: str
    until: str


class AlertsAdminState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    district_options: list[str] = []
    active: list[AlertRow] = []
    field_errors: dict[str, str] = {}
    message: str = ""

    @staticmethod
    def _fetch(principal, _ask):
        from kisaan_app.services import weather

        with session_scope() as session:
            districts = directory.districts(session, principal)
            alerts = [
                AlertRow(str(a.id), a.district, a.severity, a.title, ist(a.valid_until))
                for a in weather.alerts_for_viewer(session, principal)
            ]
        return districts, alerts

    def _show(self, result) -> None:
        self.district_options, self.active = result

    @rx.var
    def hour_options(self) -> list[list[str]]:
        return [[h, self._tr("alerts.hours", hours=h)] for h in VALID_HOURS]

    @guarded(error=None, fields="field_errors", clear=("message",))
    async def load(self, principal: Principal):
        await self._reload(principal)

    @guarded(error=None, fields="field_errors", clear=("message",), form=ALERT_FORM)
    async def issue(self, principal: Principal, form: dict):
        hours = int(form["valid_hours"]) if form.get("valid_hours") in VALID_HOURS else 24
        reached = await off_loop(_issue, principal, self._meta(), form, hours)
        self.message = self._tr("alerts.issued", count=reached)
        await self._reload(principal)

    @guarded(error=None, fields="field_errors")
    async def cancel(self, principal: Principal, alert_id: str):
        await off_loop(_cancel, principal, self._meta(), parsing.ident(alert_id, "alert_not_found"))
        await self._reload(principal)


def _issue(principal: Principal, meta: RequestMeta, form: dict[str, str], hours: int) -> int:
    """Issue the alert; how many farmers of its district it reaches."""
    from kisaan_app.services import weather

    now = utcnow()
    with session_scope() as session:
        alert = weather.issue_alert(
            session,
            principal,
            meta,
            district=form.get("district", ""),
            state=form.get("state", ""),
            severity=form.get("severity", ""),
            title=form.get("title", ""),
            message=form.get("message", ""),
            valid_from=now,
            valid_until=now + timedelta(hours=hours),
        )
        return len(weather.farmers_in_district(session, alert.district))


def _cancel(principal: Principal, meta: RequestMeta, alert_id: int) -> None:
    from kisaan_app.services import weather

    with session_scope() as session:
        weather.cancel_alert(session, principal, meta, alert_id)
