"""/admin/alerts: issue an IMD-style weather warning for a district; it reaches its farmers at once."""

from datetime import timedelta

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist
from kisaan_app.models.base import utcnow
from kisaan_app.services.accounts import directory
from kisaan_app.services.errors import DomainError
from kisaan_app.state.session import ADMIN_ROLES, SessionState

VALID_HOURS = ("6", "12", "24", "48", "72")


class AlertsAdminState(SessionState):
    district_options: list[str] = []
    active: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    message: str = ""

    def _refresh(self, principal) -> None:
        from kisaan_app.services.feeds import weather

        with session_scope() as session:
            self.district_options = directory.districts(session, principal)
            alerts = weather.alerts_for_viewer(session, principal)
        self.active = [
            {
                "id": str(a.id),
                "district": a.district,
                "severity": a.severity,
                "title": a.title,
                "until": ist(a.valid_until),
            }
            for a in alerts
        ]

    @rx.var
    def hour_options(self) -> list[list[str]]:
        return [[h, self._tr("alerts.hours", hours=h)] for h in VALID_HOURS]

    @rx.event
    def load(self):
        principal, denied = self.authorize(*ADMIN_ROLES)
        if denied is not None:
            return denied
        self.field_errors, self.message = {}, ""
        self._refresh(principal)

    @rx.event
    def issue(self, form: dict):
        from kisaan_app.services.feeds import weather

        principal, denied = self.authorize(*ADMIN_ROLES)
        if denied is not None:
            return denied
        self.field_errors, self.message = {}, ""
        hours = int(form.get("valid_hours")) if form.get("valid_hours") in VALID_HOURS else 24
        now = utcnow()
        try:
            with session_scope() as session:
                alert = weather.issue_alert(
                    session,
                    principal,
                    self._meta(),
                    district=form.get("district", ""),
                    state=form.get("state", ""),
                    severity=form.get("severity", ""),
                    title=form.get("title", ""),
                    message=form.get("message", ""),
                    valid_from=now,
                    valid_until=now + timedelta(hours=hours),
                )
                reached = weather.farmers_in_district(session, alert.district)
        except DomainError as err:
            self.field_errors = {err.field or "form": self._error(err)}
            return
        self.message = self._tr("alerts.issued", count=len(reached))
        self._refresh(principal)

    @rx.event
    def cancel(self, alert_id: str):
        from kisaan_app.services.feeds import weather

        principal, denied = self.authorize(*ADMIN_ROLES)
        if denied is not None:
            return denied
        try:
            with session_scope() as session:
                weather.cancel_alert(session, principal, self._meta(), int(alert_id))
        except DomainError as err:
            self.field_errors = {"form": self._error(err)}
            return
        self._refresh(principal)
