"""/admin/messages/history: every delivery an admin may see, filters, one delivery's provider answer, stats."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist
from kisaan_app.models.notifications import CHANNELS
from kisaan_app.services.errors import DomainError
from kisaan_app.state.admin_messages import campaign_row
from kisaan_app.state.paging import PagedListMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState

FILTERS = ("channel", "status", "batch_id", "search")
STATS_DAYS = 14


def _when(value) -> str:
    return ist(value) if value else ""


def delivery_row(d) -> dict[str, str]:
    return {
        "id": str(d.id),
        "channel": d.channel,
        "status": d.status,
        "recipient": d.recipient or "",
        "subject": d.subject or "",
        "body": d.body or "",
        "attempts": str(d.attempts),
        "provider_id": d.provider_message_id or "",
        "error_code": d.error_code or "",
        "error_message": d.error_message or "",
        "segments": str(d.segments) if d.segments else "",
        "campaign": d.batch_id or "",
        "created": _when(d.created_at),
        "sent": _when(d.sent_at),
        "delivered": _when(d.delivered_at),
    }


class MessageHistoryState(PagedListMixin, SessionState):
    page_size = 25
    rows: list[dict[str, str]] = []
    filters: dict[str, str] = {}
    campaigns: list[dict[str, str]] = []
    detail: dict[str, str] = {}
    detail_open: bool = False
    channel_stats: list[dict[str, str]] = []
    by_day: list[dict[str, int | str]] = []
    sms_balance: str = ""
    error: str = ""

    def _guard(self):
        return self.authorize(*ADMIN_ROLES)

    def _filter(self):
        from kisaan_app.services.notifications.history import HistoryFilter

        f = self.filters
        return HistoryFilter(**{name: f.get(name) or None for name in FILTERS})

    def _refresh(self, principal) -> None:
        from kisaan_app.services.notifications import campaigns, history

        with session_scope() as session:
            found, self.total = history.list_history(session, principal, self._filter(), self.page_size, self.offset)
            figures = history.stats(session, principal, days=STATS_DAYS)
            self.campaigns = [campaign_row(c, self._tr) for c in campaigns.list_campaigns(session, principal, limit=50)]
        self.rows = [delivery_row(d) for d in found]
        self._show_stats(figures)

    def _show_stats(self, figures) -> None:
        self.channel_stats = [
            {
                "channel": ch,
                "sent": str(figures.channels[ch].sent),
                "delivered": str(figures.channels[ch].delivered),
                "failed": str(figures.channels[ch].failed),
                "rate": f"{round(100 * figures.channels[ch].rate)}%",
            }
            for ch in CHANNELS
            if ch in figures.channels and figures.channels[ch].total
        ]
        balance = figures.sms_balance or {}
        self.sms_balance = f"{balance.get('balance', '')} {balance.get('currency', '')}".strip() if balance else ""
        self.by_day = [
            {**row, "day": str(row["day"])[5:], "failed": sum(v for k, v in row.items() if k.endswith("_failed"))}
            for row in figures.by_day
        ]

    @rx.event
    def load(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        campaign = str(self.router.page.params.get("campaign", ""))[:40]
        self.page, self.error, self.detail_open = 1, "", False
        self.filters = {"batch_id": campaign} if campaign else {}
        self._try_refresh(principal)

    def _try_refresh(self, principal) -> None:
        try:
            self._refresh(principal)
        except DomainError as err:
            self.error, self.rows, self.total = self._error(err), [], 0

    @rx.event
    def apply_filters(self, form: dict):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.filters = {k: str(form.get(k, "")).strip()[:80] for k in FILTERS}
        self.page, self.error = 1, ""
        self._try_refresh(principal)

    @rx.event
    def open_detail(self, delivery_id: str):
        from kisaan_app.services.notifications import history

        principal, denied = self._guard()
        if denied is not None:
            return denied
        try:
            with session_scope() as session:
                self.detail = delivery_row(history.delivery_detail(session, principal, int(delivery_id)))
        except (DomainError, ValueError) as err:
            self.error = self._error(err) if isinstance(err, DomainError) else self._tr("error.not_found")
            return
        self.detail_open = True

    @rx.event
    def close_detail(self):
        self.detail_open = False
