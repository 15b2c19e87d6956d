"""/admin/messages: compose a bulk message, see who it will reach per channel, send, watch it go out live.

Sending only calls start_campaign, which writes the delivery rows and enqueues the provider work; the progress
bar then follows the "campaign" bus topic (kisaan_app/state/live.py), with a slow poll as a safety net.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.i18n.formatting import local_time
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services.accounts import directory
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import DomainError
from kisaan_app.state.drafts import DraftMixin
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import ADMIN_ROLES, SessionState

log = logging.getLogger(__name__)
POLL_SECONDS = 3
POLL_LIMIT = 600  # polls (30 minutes); the bus normally moves the bar long before
AUDIENCE_FIELDS = ("organization_id", "district", "crop", "language")
SAMPLE_DATA = {"name": "Ramesh Patil", "district": "Nashik", "crop": "onion", "village": "Lasalgaon"}
EMPTY_PROGRESS = {"total": 0, "sent": 0, "delivered": 0, "failed": 0, "pending": 0}


@dataclass(frozen=True)
class CampaignRow:
    id: str
    batch_id: str
    title: str
    channels: str
    total: int
    when: str


def campaign_row(c, tr, lang: str) -> CampaignRow:
    """One campaign for a list; `tr` translates a catalogue key into the reader's language."""
    return CampaignRow(
        id=str(c.id),
        batch_id=c.batch_id or "",
        title=c.title or "",
        channels=", ".join(tr(f"channel.{ch}") for ch in c.channels or []),
        total=int(c.total),
        when=local_time(c.created_at, lang),
    )


class AdminMessagesState(DraftMixin, SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    draft_fields: ClassVar[tuple[str, ...]] = (*AUDIENCE_FIELDS, "category", "template_key", "subject", "text")
    channels: list[str] = ["in_app"]
    critical: bool = False
    organizations: list[list[str]] = []
    district_options: list[str] = []
    templates: list[list[str]] = []  # [key, label]
    counts: dict[str, int] = {}
    reach_people: int = 0  # people reached on at least one ticked channel
    reach_suggestion: str = ""  # "Nashik" when the typed district reaches nobody
    confirming: bool = False  # the "Send to 12 people?" confirmation is open
    preview_subject: str = ""
    preview_body: str = ""
    preview_segments: str = ""
    error: str = ""
    # The campaign on screen and its figures.
    campaign_id: int = 0
    campaign_title: str = ""
    campaign_batch: str = ""
    progress: dict[str, int] = EMPTY_PROGRESS
    campaign_done: bool = False
    campaigns: list[CampaignRow] = []
    watching: bool = False
    sending: bool = False

    # ------------------------------------------------------------ reading the compose form

    def _audience(self):
        from kisaan_app.services.notifications.audience import Audience

        org = self._text("organization_id")
        return Audience(
            organization_id=int(org) if org.isdigit() else None,
            district=self._text("district") or None,
            crop=self._text("crop") or None,
            language=self._text("language") or None,
        )

    def _category(self) -> str:
        return self._text("category") if self._text("category") in CATEGORIES else "system"

    def _counts_ask(self):
        return self._audience(), list(self.channels), self._category(), self.critical

    def _show_reach(self, reach) -> None:
        self.counts, self.reach_people, self.reach_suggestion = reach.channels, reach.people, reach.suggestion

    def _load_lists(self, principal) -> None:
        """Sync, in the caller's thread (the live hub runs it off the loop); handlers use `_lists` via off_loop."""
        self._show_lists(_lists(principal, self.lang))

    def _show_lists(self, lists) -> None:
        self.organizations, self.district_options, self.campaigns, self.templates = lists

    def _load_progress(self, principal) -> None:
        self._show_progress(_progress(principal, self.campaign_id))

    def _show_progress(self, p) -> None:
        self.progress = {
            "total": p.total,
            "sent": p.sent,
            "delivered": p.delivered,
            "failed": p.failed,
            "pending": p.pending,
        }
        self.campaign_done = bool(p.done)

    # ------------------------------------------------------------ figures the page shows

    @rx.var
    def count_rows(self) -> list[list[str]]:
        return [[ch, str(self.counts.get(ch, 0))] for ch in CHANNELS if ch in self.channels]

    @rx.var
    def percent(self) -> int:
        p = self.progress
        total = p.get("total", 0)
        if not total:
            return 100 if self.campaign_done else 0
        return min(100, round(100 * (p.get("sent", 0) + p.get("delivered", 0) + p.get("failed", 0)) / total))

    @rx.var
    def progress_label(self) -> str:
        p = self.progress
        return self._tr(
            "messages.progress",
            sent=p.get("sent", 0),
            delivered=p.get("delivered", 0),
            failed=p.get("failed", 0),
            total=p.get("total", 0),
        )

    # ------------------------------------------------------------ events

    @guarded(clear=("preview_subject", "preview_body", "preview_segments"))
    async def load(self, principal: Principal):
        self.draft = {"category": "system", **self.draft}  # what the kind-of-message select shows first
        lists, reach = await off_loop(_lists_and_counts, principal, self.lang, *self._counts_ask())
        self._show_lists(lists)
        self._show_reach(reach)
        if self.campaign_id:
            try:
                self._show_progress(await off_loop(_progress, principal, self.campaign_id))
            except DomainError:  # no longer visible to whoever holds this tab now
                self.campaign_id = 0
                return None
            if not self.campaign_done and not self.watching:
                return AdminMessagesState.watch
        return None

    def _draft_changed(self, name: str):
        self.preview_subject = self.preview_body = self.preview_segments = ""
        if name in AUDIENCE_FIELDS or name == "category":
            return AdminMessagesState.recount
        return None

    def toggle_channel(self, channel: str, checked: bool):
        """A tick in the compose form: no data here; the recount it asks for is guarded."""
        if channel not in CHANNELS:
            return None
        others = [c for c in self.channels if c != channel]
        self.channels = [*others, channel] if checked else others
        return AdminMessagesState.recount

    def set_critical(self, checked: bool):
        """A tick in the compose form: critical messages ignore quiet hours, so the reach may change."""
        self.critical = bool(checked)
        return AdminMessagesState.recount

    @guarded()
    async def recount(self, principal: Principal):
        try:
            self._show_reach(await off_loop(_counts, principal, *self._counts_ask()))
        except DomainError:
            self.counts, self.reach_people, self.reach_suggestion = {}, 0, ""
            raise

    @rx.var
    def confirm_question(self) -> str:
        return self._tr("messages.confirm", count=self.reach_people)

    @rx.var
    def nobody_reached(self) -> str:
        """Said beside the figures, before anyone presses Send."""
        if self.reach_people or not self.channels:
            return ""
        if self.reach_suggestion:
            return self._tr("error.no_recipients_district", suggestion=self.reach_suggestion)
        return self._tr("error.no_recipients")

    @guarded()
    async def ask_send(self, principal: Principal):
        """Send's first step: count again (the same reach the send uses), then ask "Send to 12 people?"."""
        self.confirming = False
        if not self.channels:
            self.error = self._tr("messages.no_channel")
            return
        self._show_reach(await off_loop(_counts, principal, *self._counts_ask()))
        if not self.reach_people:
            self.error = self.nobody_reached
            return
        self.confirming = True

    def cancel_confirm(self):
        """Closes the send confirmation; the compose form keeps everything."""
        self.confirming = False

    def use_district(self, name: str):
        """Takes the "did you mean" district into the form (a draft field: no data); the recount is guarded."""
        self.reach_suggestion = ""
        return self.set_draft("district", name)

    @guarded(clear=("preview_subject", "preview_body", "preview_segments"))
    async def preview(self, principal: Principal):
        key = self._text("template_key")
        ask = (key, self._first_channel(), self._text("language") or "en", self._text("text"), self._text("subject"))
        # Rendering runs a template: off the event loop, like any database work.
        result = await off_loop(_preview, principal, *ask)
        if result is None:
            self.error = self._tr("messages.template_missing")
            return None
        if result.missing:
            self.error = self._tr("messages.missing_variables", names=", ".join(result.missing))
        self.preview_subject, self.preview_body = result.subject or "", result.body
        self.preview_segments = self._tr("messages.segments", count=result.segments) if result.segments else ""
        return None

    def _first_channel(self) -> str:
        return next((c for c in CHANNELS if c in self.channels), "in_app")

    @guarded(background=True)
    async def send(self, principal: Principal):
        """start_campaign off the state lock (it only writes the campaign and enqueues); a double click is ignored."""
        async with self:
            self.confirming = False
            if self.sending:
                return None
            if not self.channels:
                self.error = self._tr("messages.no_channel")
                return None
            self.sending = True
            key = self._text("template_key") or None
            args = dict(
                audience=self._audience(),
                channels=list(self.channels),
                category=self._category(),
                template_key=key,
                subject=None if key else self._text("subject") or None,
                text=None if key else self._text("text"),
                critical=self.critical,
            )
            meta, lang = self._meta(), self.lang
        view, error, progress, lists = None, "", None, None
        try:
            view = await off_loop(_start, principal, meta, args)
            progress = await off_loop(_progress, principal, view.id)
            lists = await off_loop(_lists, principal, lang)
        except DomainError as err:
            error = self._error(err)
        except Exception:  # noqa: BLE001 - the button must come back, with a message, whatever went wrong
            log.exception("starting a campaign failed")
            error = self._tr("error.generic")
        async with self:
            self.sending = False
            if view is None:
                self.error = error
                return None
            self.campaign_id, self.campaign_title, self.campaign_done = view.id, view.title or "", False
            self.campaign_batch = view.batch_id or ""
            self.progress = {**EMPTY_PROGRESS, "total": view.total}
            if progress is not None:
                self._show_progress(progress)
            if lists is not None:
                self._show_lists(lists)
            self.error = error
            start_watch = not (self.campaign_done or self.watching)
        return AdminMessagesState.watch if start_watch else None

    @guarded()
    async def show_campaign(self, principal: Principal, campaign_id: str):
        if not (campaign_id.isascii() and campaign_id.isdigit()):
            return None
        shown = next((c for c in self.campaigns if c.id == campaign_id), None)
        try:
            progress = await off_loop(_progress, principal, int(campaign_id))
        except DomainError:
            self.campaign_id = 0
            raise
        self.campaign_id = int(campaign_id)
        self.campaign_title, self.campaign_batch = (shown.title, shown.batch_id) if shown else ("", "")
        self._show_progress(progress)
        return None if self.campaign_done or self.watching else AdminMessagesState.watch

    @guarded(background=True)
    async def watch(self, principal: Principal):
        """A slow re-read of the campaign's figures while it runs, in case a bus event was missed."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            for _ in range(POLL_LIMIT):
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    if self.campaign_done or not self.campaign_id:
                        return
                    if self.router.page.path.rstrip("/") != "/admin/messages":
                        return
                    principal, denied = await self._authorize(*ADMIN_ROLES)  # still theirs, still an admin
                    if denied is not None:
                        return
                    campaign_id = self.campaign_id
                progress = await off_loop(_progress, principal, campaign_id)
                async with self:
                    if self.campaign_id == campaign_id:
                        self._show_progress(progress)
        finally:
            async with self:
                self.watching = False

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("campaign",)
    live_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """The bulk send on screen moved: reload its figures (and, once done, the lists) from the database."""
        if self.campaign_id and any(e.data.campaign_id == self.campaign_id for e in events):
            await off_loop(self._reload_live)

    def _reload_live(self) -> None:
        principal = self._current_principal()
        if principal is None:
            return
        try:
            self._load_progress(principal)
            if self.campaign_done:
                self._load_lists(principal)
        except DomainError:
            pass


def _counts(principal: Principal, audience_filter, channels: list[str], category: str, critical: bool):
    """The reach start_campaign will check again when the admin confirms (services/notifications/audience.py)."""
    from kisaan_app.services.notifications import audience

    with session_scope() as session:
        return audience.reach_of(session, principal, audience_filter, channels, category, critical)[0]


def _lists(principal: Principal, lang: str):
    from kisaan_app.services.notifications import campaigns, templates

    def tr(key: str) -> str:
        return t(lang, key)

    with session_scope() as session:
        organizations = [[str(o.id), o.name] for o in directory.organizations(session, principal)]
        districts = directory.districts(session, principal)
        recent = [campaign_row(c, tr, lang) for c in campaigns.list_campaigns(session, principal, limit=20)]
        keys = sorted({tpl.key for tpl in templates.list_templates(session, principal)})
    return organizations, districts, recent, [[k, k] for k in keys]


def _lists_and_counts(
    principal: Principal, lang: str, audience_filter, channels: list[str], category: str, critical: bool
):
    return _lists(principal, lang), _counts(principal, audience_filter, channels, category, critical)


def _progress(principal: Principal, campaign_id: int):
    from kisaan_app.services.notifications import campaigns

    with session_scope() as session:
        return campaigns.progress(session, principal, campaign_id)


def _start(principal, meta, args: dict):
    from kisaan_app.services.notifications import campaigns

    with session_scope() as session:
        return campaigns.start_campaign(session, principal, meta, **args)


def _preview(principal, key: str, channel: str, language: str, text: str, subject: str):
    """A stored template's preview, or free text filled as notify() fills it; None: no such template."""
    from kisaan_app.services.notifications import templates

    with session_scope() as session:
        if not key:
            return templates.preview(session, principal, body=text, subject=subject, data=SAMPLE_DATA, plain=True)
        found = templates.find_template(session, key, channel, language)
        if found is None:
            return None
        return templates.preview(session, principal, template_id=found.id, data=SAMPLE_DATA)
