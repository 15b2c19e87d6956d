"""/admin/messages/history: every delivery an admin may see, filters, one delivery's provider answer, stats."""

from dataclasses import dataclass
from datetime import date
from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import foreign_money, local_day, local_time
from kisaan_app.models.notifications import CHANNELS
from kisaan_app.services import parsing
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import DomainError
from kisaan_app.state.admin_messages import CampaignRow, campaign_row
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.paging import PagedListMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState

PATH = "/admin/messages/history"
FILTERS = ("channel", "status", "batch_id", "search")
URL_NAMES = {"batch_id": "campaign"}  # a filter's name in the URL, where it differs
STATS_DAYS = 14
# Inputs with an element id also arrive under that id (state/guard.py check_form).
FILTER_FORM = {**dict.fromkeys(FILTERS, 80), "history_channel": "channel", "history_status": "status"}
FILTER_FORM |= {"history_campaign": "batch_id"}


def _when(value, lang: str) -> str:
    return local_time(value, lang) if value else ""


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    channel: str
    status: str
    recipient: str  # the person's name when known, else the address
    address: str  # the phone, email or push endpoint ("" for the in-app inbox)
    subject: str
    body: str
    attempts: str  # display text, like the rest of the detail lines ("" hides a line)
    provider_id: str
    error_code: str
    error_message: str
    segments: str
    campaign: str
    created: str
    sent: str
    delivered: str
    received: bool = False  # an SMS the person sent us (an SMS command), not a send of ours


@dataclass(frozen=True)
class ChannelStat:
    channel: str
    sent: int
    delivered: int
    failed: int
    rate: str


NO_DELIVERY = DeliveryRow("", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "")


def delivery_row(d, lang: str) -> DeliveryRow:
    return DeliveryRow(
        id=str(d.id),
        channel=d.channel,
        status=d.status,
        recipient=d.recipient_name or d.recipient or "",
        address="" if (d.recipient or "").startswith("user:") else d.recipient or "",
        subject=d.subject or "",
        body=d.body or "",
        attempts=str(d.attempts),
        provider_id=d.provider_message_id or "",
        error_code=d.error_code or "",
        error_message=d.error_message or "",
        segments=str(d.segments) if d.segments else "",
        campaign=d.batch_id or "",
        created=_when(d.created_at, lang),
        sent=_when(d.sent_at, lang),
        delivered=_when(d.delivered_at, lang),
        received=d.direction == "inbound",
    )


class MessageHistoryState(PagedListMixin, SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    page_size: ClassVar[int] = 25
    rows: list[DeliveryRow] = []
    filters: dict[str, str] = {}
    campaigns: list[CampaignRow] = []
    detail: DeliveryRow = NO_DELIVERY
    detail_open: bool = False
    channel_stats: list[ChannelStat] = []
    by_day: list[dict[str, int | str]] = []
    sms_balance: str = ""

    def _ask(self):
        from kisaan_app.services.notifications.history import HistoryFilter

        f = self.filters
        return HistoryFilter(**{name: f.get(name) or None for name in FILTERS}), self.page_size, self.offset, self.lang

    @staticmethod
    def _fetch(principal, ask):
        from kisaan_app.services.notifications import campaigns, history

        flt, limit, offset, lang = ask

        def tr(key: str) -> str:
            return t(lang, key)

        with session_scope() as session:
            found, total = history.list_history(session, principal, flt, limit, offset)
            figures = history.stats(session, principal, days=STATS_DAYS)
            recent = [campaign_row(c, tr, lang) for c in campaigns.list_campaigns(session, principal, limit=50)]
            rows = [delivery_row(d, lang) for d in found]
        return rows, total, recent, figures

    def _show(self, result) -> None:
        self.rows, self.total, self.campaigns, figures = result
        self._show_stats(figures)

    def _show_stats(self, figures) -> None:
        self.channel_stats = [
            ChannelStat(
                channel=ch,
                sent=figures.channels[ch].sent,
                delivered=figures.channels[ch].delivered,
                failed=figures.channels[ch].failed,
                rate=f"{round(100 * figures.channels[ch].rate)}%",
            )
            for ch in CHANNELS
            if ch in figures.channels and figures.channels[ch].total
        ]
        balance = figures.sms_balance or {}
        self.sms_balance = (
            foreign_money(balance.get("balance", ""), balance.get("currency", ""), self.lang) if balance else ""
        )
        self.by_day = [
            {
                **row,
                "day": _day(row["day"], self.lang),
                "failed": sum(v for k, v in row.items() if k.endswith("_failed")),
            }
            for row in figures.by_day
        ]

    async def _try_reload(self, principal: Principal) -> None:
        try:
            await self._reload(principal)
        except DomainError:
            self.rows, self.total = [], 0
            raise

    # The filters and the open delivery live in the URL, so a link to a delivery keeps the list it came from
    # and a reload (or a link sent to a colleague) shows the same thing.
    @rx.var
    def list_url(self) -> str:
        query = urlencode({URL_NAMES.get(k, k): v for k, v in self.filters.items() if v})
        return f"{PATH}?{query}" if query else PATH

    @rx.var
    def detail_prefix(self) -> str:
        """A row's link is this plus its id: the list's own URL with `delivery=`."""
        return self.list_url + ("&" if "?" in self.list_url else "?") + "delivery="

    @guarded()
    async def load(self, principal: Principal):
        params = self.router.page.params
        self.filters = {k: str(params.get(URL_NAMES.get(k, k), ""))[:80].strip() for k in FILTERS}
        self.filters = {k: v for k, v in self.filters.items() if v}
        self.page, self.detail_open = 1, False
        await self._try_reload(principal)
        delivery = str(params.get("delivery", ""))[:20]
        if delivery:
            self.detail = await off_loop(_delivery, principal, parsing.ident(delivery), self.lang)
            self.detail_open = True

    @guarded(form=FILTER_FORM)
    async def apply_filters(self, principal: Principal, form: dict):
        """New filters go into the URL; loading that URL (on_load) reads them and the list."""
        self.filters = {k: v for k in FILTERS if (v := form.get(k, "").strip())}
        return rx.redirect(self.list_url)

    def close_detail(self):
        """Closes the dialog, back to the list's URL: touches no data."""
        self.detail_open = False
        return rx.redirect(self.list_url)


def _delivery(principal: Principal, delivery_id: int, lang: str) -> DeliveryRow:
    from kisaan_app.services.notifications import history

    with session_scope() as session:
        return delivery_row(history.delivery_detail(session, principal, delivery_id), lang)


def _day(value, lang: str) -> str:
    """A chart's day ("7 Dec", "7 दिस॰") from the stats' date or ISO text."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return local_day(day, lang)
