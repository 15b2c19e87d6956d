"""/admin/messages: compose a bulk message, see who it will reach per channel, send, watch it go out live.

Sending only calls start_campaign, which writes the delivery rows and enqueues the provider work; the progress
bar then follows the "campaign" bus topic (kisaan_app/state/live.py), with a slow poll as a safety net.
"""

import asyncio
import logging
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import directory
from kisaan_app.services.errors import DomainError
from kisaan_app.state.drafts import DraftMixin
from kisaan_app.state.session import ADMIN_ROLES, SessionState

log = logging.getLogger(__name__)
POLL_SECONDS = 3
POLL_LIMIT = 600  # polls (30 minutes); the bus normally moves the bar long before
AUDIENCE_FIELDS = ("organization_id", "district", "crop", "language")
SAMPLE_DATA = {"name": "Ramesh Patil", "district": "Nashik", "crop": "onion", "village": "Lasalgaon"}
EMPTY_PROGRESS = {"total": 0, "sent": 0, "delivered": 0, "failed": 0, "pending": 0}


def campaign_row(c, tr) -> dict[str, str]:
    """One campaign for a list; `tr` translates a catalogue key into the reader's language."""
    return {
        "id": str(c.id),
        "batch_id": c.batch_id or "",
        "title": c.title or "",
        "channels": ", ".join(tr(f"channel.{ch}") for ch in c.channels or []),
        "total": str(c.total),
        "when": ist(c.created_at),
    }


class AdminMessagesState(DraftMixin, SessionState):
    draft_fields = (*AUDIENCE_FIELDS, "category", "template_key", "subject", "text")
    channels: list[str] = ["in_app"]
    critical: bool = False
    organizations: list[list[str]] = []
    district_options: list[str] = []
    templates: list[list[str]] = []  # [key, label]
    counts: dict[str, int] = {}
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
    campaigns: list[dict[str, str]] = []
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

    def _recount(self, principal) -> None:
        from kisaan_app.services.notifications import audience

        with session_scope() as session:
            self.counts = audience.count_by_channel(
                session, principal, self._audience(), list(self.channels), self._category()
            )

    def _load_lists(self, principal) -> None:
        from kisaan_app.services.notifications import campaigns, templates

        with session_scope() as session:
            self.organizations = [[str(o.id), o.name] for o in directory.organizations(session, principal)]
            self.district_options = directory.districts(session, principal)
            self.campaigns = [campaign_row(c, self._tr) for c in campaigns.list_campaigns(session, principal, limit=20)]
            keys = sorted({t.key for t in templates.list_templates(session, principal)})
        self.templates = [[k, k] for k in keys]

    def _load_progress(self, principal) -> None:
        from kisaan_app.services.notifications import campaigns

        with session_scope() as session:
            p = campaigns.progress(session, principal, self.campaign_id)
        self.progress = {
            "total": p.total,
            "sent": p.sent,
            "delivered": p.delivered,
            "failed": p.failed,
            "pending": p.pending,
        }
        self.campaign_done = bool(p.done)

    def _guard(self):
        return self.authorize(*ADMIN_ROLES)

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

    @rx.event
    def load(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.error, self.preview_subject, self.preview_body, self.preview_segments = "", "", "", ""
        self.draft = {"category": "system", **self.draft}  # what the kind-of-message select shows first
        self._load_lists(principal)
        self._recount(principal)
        if self.campaign_id:
            try:
                self._load_progress(principal)
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

    @rx.event
    def toggle_channel(self, channel: str, checked: bool):
        if channel not in CHANNELS:
            return None
        others = [c for c in self.channels if c != channel]
        self.channels = [*others, channel] if checked else others
        return AdminMessagesState.recount

    @rx.event
    def set_critical(self, checked: bool):
        self.critical = bool(checked)

    @rx.event
    def recount(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.error = ""
        try:
            self._recount(principal)
        except DomainError as err:
            self.counts, self.error = {}, self._error(err)
        return None

    @rx.event
    async def preview(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.error = self.preview_subject = self.preview_body = self.preview_segments = ""
        key = self._text("template_key")
        ask = (key, self._first_channel(), self._text("language") or "en", self._text("text"), self._text("subject"))
        try:
            # Rendering runs a template: off the event loop, like any database work.
            result = await asyncio.to_thread(_preview, principal, *ask)
        except DomainError as err:
            self.error = self._error(err)
            return None
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

    @rx.event(background=True)
    async def send(self):
        """start_campaign off the state lock (it only writes the campaign and enqueues); a double click is ignored."""
        async with self:
            principal, denied = self._guard()
            if denied is not None:
                return denied
            if self.sending:
                return None
            self.error = ""
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
            meta = self._meta()
        view, error = None, ""
        try:
            view = await asyncio.to_thread(_start, principal, meta, args)
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
            self._load_progress(principal)
            self._load_lists(principal)
            start_watch = not (self.campaign_done or self.watching)
        return AdminMessagesState.watch if start_watch else None

    @rx.event
    def show_campaign(self, campaign_id: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        if not campaign_id.isdigit():
            return None
        self.campaign_id = int(campaign_id)
        shown = next((c for c in self.campaigns if c["id"] == campaign_id), {})
        self.campaign_title, self.campaign_batch = shown.get("title", ""), shown.get("batch_id", "")
        try:
            self._load_progress(principal)
        except DomainError as err:
            self.campaign_id, self.error = 0, self._error(err)
            return None
        return None if self.campaign_done or self.watching else AdminMessagesState.watch

    @rx.event(background=True)
    async def watch(self):
        """A slow re-read of the campaign's figures while it runs, in case a bus event was missed."""
        async with self:
            self.watching = True
        try:
            for _ in range(POLL_LIMIT):
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    if self.campaign_done or not self.campaign_id:
                        return
                    if self.router.page.path.rstrip("/") != "/admin/messages":
                        return
                    principal, denied = self._guard()
                    if denied is not None:
                        return
                    self._load_progress(principal)
        finally:
            async with self:
                self.watching = False

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("campaign",)
    live_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """The bulk send on screen moved: reload its figures (and, once done, the lists) from the database."""
        if self.campaign_id and any(e.data.campaign_id == self.campaign_id for e in events):
            await asyncio.to_thread(self._reload_live)

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
