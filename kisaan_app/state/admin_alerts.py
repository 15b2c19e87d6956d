"""/admin/alerts: issue an IMD-style weather warning for a district; it reaches its farmers at once.

Two steps: "Check and send" runs every rule of the warning and shows who it reaches (farmers per channel and
language); only the admin's "Send" in that confirmation issues it, with the same rules run again."""

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import available_languages
from kisaan_app.i18n.formatting import local_time
from kisaan_app.models.base import utcnow
from kisaan_app.services import parsing
from kisaan_app.services.accounts import directory
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import ADMIN_ROLES, SessionState

VALID_HOURS = ("6", "12", "24", "48", "72")
TEXT_LANGUAGES = tuple(available_languages())  # the warning can be written in each; at least one
ALERT_FORM: dict[str, int | str] = {"district": 80, "state": 80, "severity": 10, "valid_hours": 3}
ALERT_FORM |= {f"title_{lang}": 160 for lang in TEXT_LANGUAGES} | {f"message_{lang}": 1000 for lang in TEXT_LANGUAGES}
# Inputs with an element id also arrive under that id (state/guard.py check_form).
ALERT_FORM |= {f"alert_{name}": name for name in ("district", "state", "severity")}
ALERT_FORM |= {f"alert_{name}_{lang}": f"{name}_{lang}" for name in ("title", "message") for lang in TEXT_LANGUAGES}
ALERT_FORM |= {"alert_hours": "valid_hours"}
# A warning written in no language is refused on the first language's fields.
TEXT_FIELDS = {"title": "title_en", "message": "message_en"}


@dataclass(frozen=True)
class AlertRow:
    id: str
    district: str
    severity: str
    title: str
    until: str


@dataclass(frozen=True)
class ReachRow:
    label: str
    people: int


class AlertsAdminState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    district_options: list[str] = []
    active: list[AlertRow] = []
    field_errors: dict[str, str] = {}
    message: str = ""
    suggestion: str = ""  # "Nashik" when the typed district ("Nasik") reaches nobody
    # The checked warning awaiting the admin's "Send", and who it reaches.
    pending: dict[str, str] = {}
    reach_district: str = ""
    reach_farmers: int = 0
    reach_channels: list[ReachRow] = []  # label: channel key
    reach_languages: list[ReachRow] = []  # label: the language's own name

    def _ask(self):
        return self.lang

    @staticmethod
    def _fetch(principal, lang):
        from kisaan_app.services.feeds import weather

        with session_scope() as session:
            districts = directory.districts(session, principal)
            alerts = [
                AlertRow(
                    str(a.id), a.district, a.severity, weather.text_for(a, lang)[0], local_time(a.valid_until, lang)
                )
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

    @rx.var
    def awaiting_send(self) -> bool:
        return bool(self.pending)

    @rx.var
    def confirm_question(self) -> str:
        severity = self._tr(f"severity.{self.pending.get('severity', '')}").lower() if self.pending else ""
        return self._tr("alerts.confirm", severity=severity, count=self.reach_farmers, district=self.reach_district)

    @guarded(
        error=None, fields="field_errors", field_names=TEXT_FIELDS, clear=("message", "suggestion"), form=ALERT_FORM
    )
    async def check(self, principal: Principal, form: dict):
        """The first step: every rule, and the reach the confirmation shows. Nothing is sent."""
        self.pending = {}
        try:
            reach = await off_loop(_check, principal, form)
        except DomainError as err:
            self.suggestion = str(err.params.get("suggestion", ""))
            raise
        languages = available_languages()
        self.reach_district, self.reach_farmers = reach.district, reach.farmers
        self.reach_channels = [ReachRow(ch, n) for ch, n in reach.channels.items()]
        self.reach_languages = [ReachRow(languages.get(code, code), n) for code, n in sorted(reach.languages.items())]
        self.pending = dict(form)

    def cancel_send(self):
        """Closes the confirmation; the form keeps what was typed."""
        self.pending = {}

    @guarded(error=None, fields="field_errors", field_names=TEXT_FIELDS, clear=("message", "suggestion"))
    async def issue(self, principal: Principal):
        """The admin said "Send" to the warning they checked (the rules run again: the district may have changed)."""
        form, self.pending = dict(self.pending), {}
        if not form:
            return None
        reached = await off_loop(_issue, principal, self._meta(), form)
        self.message = self._tr("alerts.issued", count=reached)
        await self._reload(principal)
        return rx.call_script("document.getElementById('alert-form')?.reset()")

    @guarded(error=None, fields="field_errors")
    async def cancel(self, principal: Principal, alert_id: str):
        await off_loop(_cancel, principal, self._meta(), parsing.ident(alert_id, "alert_not_found"))
        await self._reload(principal)


def _warning(form: dict[str, str]) -> dict:
    """The service's arguments from the form: the first language written is the warning's own text, and every
    language written goes in `texts` (each farmer reads theirs)."""
    hours = int(form["valid_hours"]) if form.get("valid_hours") in VALID_HOURS else 24
    written = {
        lang: {"title": form.get(f"title_{lang}", ""), "message": form.get(f"message_{lang}", "")}
        for lang in TEXT_LANGUAGES
        if form.get(f"title_{lang}", "").strip() or form.get(f"message_{lang}", "").strip()
    }
    first = next(iter(written.values()), {"title": "", "message": ""})
    now = utcnow()
    return dict(
        district=form.get("district", ""),
        severity=form.get("severity", ""),
        title=first["title"],
        message=first["message"],
        valid_from=now,
        valid_until=now + timedelta(hours=hours),
        texts=written if len(written) > 1 else None,
    )


def _check(principal: Principal, form: dict[str, str]):
    from kisaan_app.services.feeds import weather

    with session_scope() as session:
        return weather.check_warning(session, principal, **_warning(form))[0]


def _issue(principal: Principal, meta: RequestMeta, form: dict[str, str]) -> int:
    """Issue the alert; how many farmers of its district it reaches."""
    from kisaan_app.services.feeds import weather

    with session_scope() as session:
        alert = weather.issue_alert(session, principal, meta, state=form.get("state", ""), **_warning(form))
        return len(weather.farmers_in_district(session, alert.district, alert.organization_id))


def _cancel(principal: Principal, meta: RequestMeta, alert_id: int) -> None:
    from kisaan_app.services.feeds import weather

    with session_scope() as session:
        weather.cancel_alert(session, principal, meta, alert_id)
