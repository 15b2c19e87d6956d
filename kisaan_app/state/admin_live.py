"""/admin/live: who is connected (by role and organisation), events per second, delivery lag; broadcasts."""

import asyncio

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.services import accounts, connections
from kisaan_app.services.broadcasts import send_broadcast
from kisaan_app.services.errors import DomainError
from kisaan_app.state.session import ADMIN_ROLES, SessionState

REFRESH_SECONDS = 2


class LiveAdminState(SessionState):
    total: int = 0
    by_role: dict[str, int] = {}
    by_organization: list[list[str]] = []
    events_per_second: float = 0.0
    lag_ms: float = 0.0
    delivered: int = 0
    organizations: list[list[str]] = []
    watching: bool = False
    error: str = ""
    message: str = ""

    def _refresh(self, principal) -> None:
        from kisaan_app.realtime import hub

        with session_scope() as session:
            counts = connections.live_counts(session, principal)
        self.total, self.by_role = counts.total, counts.by_role
        no_fpo = self._tr("live.no_fpo")
        self.by_organization = [[name or no_fpo, str(n)] for name, n in counts.by_organization]
        if hub.active_hub is not None:
            stats = hub.active_hub.stats
            self.events_per_second, self.lag_ms, self.delivered = (
                stats.events_per_second,
                stats.lag_ms_p50,
                stats.delivered,
            )

    @rx.event
    def load(self):
        principal, denied = self.authorize(*ADMIN_ROLES)
        if denied is not None:
            return denied
        self.error = self.message = ""
        self._refresh(principal)
        if principal.role == "admin":
            with session_scope() as session:
                self.organizations = [[str(o.id), o.name] for o in accounts.list_organizations(session)]
        if not self.watching:
            return LiveAdminState.watch

    @rx.event(background=True)
    async def watch(self):
        """Refresh the figures every few seconds while this tab stays on the Live page."""
        async with self:
            self.watching = True
        try:
            while True:
                await asyncio.sleep(REFRESH_SECONDS)
                async with self:
                    if self.router.page.path.rstrip("/") != "/admin/live":
                        return
                    principal, denied = self.authorize(*ADMIN_ROLES)
                    if denied is not None:
                        return
                    self._refresh(principal)
        finally:
            async with self:
                self.watching = False

    @rx.event
    def broadcast(self, form: dict):
        principal, denied = self.authorize(*ADMIN_ROLES)
        if denied is not None:
            return denied
        self.error = self.message = ""
        org = form.get("organization_id", "")
        try:
            with session_scope() as session:
                send_broadcast(
                    session,
                    principal,
                    self._meta(),
                    form.get("message", ""),
                    organization_id=int(org) if org.isdigit() else None,
                    level=form.get("level", "info"),
                )
        except DomainError as err:
            self.error = self._error(err)
            return
        self.message = self._tr("live.broadcast_sent")
