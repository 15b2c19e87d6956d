"""/admin/live: who is connected (by role and organisation), events per second, delivery lag; broadcasts."""

import asyncio
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.services import accounts, connections, parsing
from kisaan_app.services.broadcasts import send_broadcast
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import ADMIN_ROLES, SessionState

REFRESH_SECONDS = 2
BROADCAST_FORM = {"message": 500, "organization_id": 12, "level": 10, "broadcast_message": "message"}


class LiveAdminState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
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

    @staticmethod
    def _fetch(principal, _ask):
        with session_scope() as session:
            return connections.live_counts(session, principal)

    def _show(self, counts) -> None:
        from kisaan_app.realtime import hub

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

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        await self._reload(principal)
        if principal.role == Role.ADMIN:
            self.organizations = await off_loop(_organizations)
        if not self.watching:
            return LiveAdminState.watch
        return None

    @guarded(background=True)
    async def watch(self, principal: Principal):
        """Refresh the figures every few seconds while this tab stays on the Live page."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            while True:
                await asyncio.sleep(REFRESH_SECONDS)
                async with self:
                    if self.router.page.path.rstrip("/") != "/admin/live":
                        return
                    principal, denied = await self._authorize(*ADMIN_ROLES)  # still theirs, still an admin
                    if denied is not None:
                        return
                counts = await off_loop(self._fetch, principal, None)
                async with self:
                    self._show(counts)
        finally:
            async with self:
                self.watching = False

    @guarded(clear=("message",), form=BROADCAST_FORM)
    async def broadcast(self, principal: Principal, form: dict):
        org = form.get("organization_id", "")
        organization_id = parsing.ident(org) if org else None
        level = form.get("level", "info")
        await off_loop(_broadcast, principal, self._meta(), form.get("message", ""), organization_id, level)
        self.message = self._tr("live.broadcast_sent")


def _organizations() -> list[list[str]]:
    with session_scope() as session:
        return [[str(o.id), o.name] for o in accounts.list_organizations(session)]


def _broadcast(principal: Principal, meta: RequestMeta, message: str, organization_id: int | None, level: str) -> None:
    with session_scope() as session:
        send_broadcast(session, principal, meta, message, organization_id=organization_id, level=level)
