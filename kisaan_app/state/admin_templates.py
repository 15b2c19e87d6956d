"""/admin/templates: message templates per channel and language; edit, and preview with sample data first."""

import asyncio
import json

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.services.errors import DomainError
from kisaan_app.state.drafts import DraftMixin
from kisaan_app.state.session import SessionState

TEMPLATE_FIELDS = ("key", "channel", "language", "category", "subject", "body", "html_body")
NEW_TEMPLATE = {"channel": "sms", "language": "en", "category": "system", "sample": "{}"}


class AdminTemplatesState(DraftMixin, SessionState):
    draft_fields = (*TEMPLATE_FIELDS, "sample")
    draft_limit = 5000
    rows: list[dict[str, str]] = []
    editing_id: int = 0
    editor_open: bool = False
    field_errors: dict[str, str] = {}
    preview_subject: str = ""
    preview_body: str = ""
    preview_note: str = ""
    message: str = ""

    def _guard(self):
        return self.authorize("admin")

    def _refresh(self, principal) -> None:
        from kisaan_app.services.notifications import templates

        with session_scope() as session:
            found = templates.list_templates(session, principal)
        self.rows = [
            {
                "id": str(t.id),
                "key": t.key,
                "channel": t.channel,
                "language": t.language,
                "category": t.category,
                "subject": t.subject or "",
                "body": t.body,
                "html_body": t.html_body or "",
                "variables": ", ".join(t.variables or []),
            }
            for t in found
        ]

    def _clear_preview(self) -> None:
        self.preview_subject = self.preview_body = self.preview_note = ""

    def _draft_changed(self, name: str):
        self._clear_preview()
        self.field_errors, self.message = {}, ""

    @rx.event
    def load(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.editor_open, self.message, self.field_errors = False, "", {}
        self._refresh(principal)

    @rx.event
    def new_template(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.editing_id, self.draft, self.field_errors, self.message = 0, dict(NEW_TEMPLATE), {}, ""
        self._clear_preview()
        self.editor_open = True

    @rx.event
    def edit(self, template_id: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        row = next((r for r in self.rows if r["id"] == template_id), None)
        if row is None:
            return
        sample = {name.strip(): "" for name in row["variables"].split(",") if name.strip()}
        self.draft = {**{k: row[k] for k in TEMPLATE_FIELDS}, "sample": json.dumps(sample, ensure_ascii=False)}
        self.editing_id, self.field_errors, self.message = int(template_id), {}, ""
        self._clear_preview()
        self.editor_open = True

    @rx.event
    def close_editor(self):
        self.editor_open = False

    @rx.event
    async def preview(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.field_errors = {}
        self._clear_preview()
        try:
            data = json.loads(self._text("sample") or "{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.field_errors = {"sample": self._tr("templates.sample_invalid")}
            return
        body, subject = self.draft.get("body", ""), self.draft.get("subject") or None
        try:
            # Rendering runs an admin's template: off the event loop (it has a time budget, still).
            result = await asyncio.to_thread(_preview, principal, body, subject, data)
        except DomainError as err:
            self.field_errors = {err.field or "form": self._error(err)}
            return
        if result.missing:
            self.field_errors = {"sample": self._tr("messages.missing_variables", names=", ".join(result.missing))}
        self.preview_subject, self.preview_body = result.subject or "", result.body
        if result.segments and self.draft.get("channel") == "sms":
            self.preview_note = self._tr("messages.segments", count=result.segments)

    @rx.event
    def save(self):
        from kisaan_app.services.notifications import templates

        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.field_errors, self.message = {}, ""
        d = self.draft
        channel, category = d.get("channel", ""), d.get("category", "")
        try:
            with session_scope() as session:
                saved = templates.save_template(
                    session,
                    principal,
                    self._meta(),
                    key=self._text("key"),
                    channel=channel if channel in CHANNELS else "",
                    language=self._text("language") or "en",
                    category=category if category in CATEGORIES else "",
                    subject=self._text("subject") or None,
                    body=d.get("body", ""),
                    html_body=d.get("html_body") or None,
                    template_id=self.editing_id or None,
                )
                saved_key = saved.key
        except DomainError as err:
            self.field_errors = {err.field or "form": self._error(err)}
            return
        self.message = self._tr("templates.saved", name=saved_key)
        self.editor_open = False
        self._refresh(principal)


def _preview(principal, body: str, subject: str | None, data: dict):
    from kisaan_app.services.notifications import templates

    with session_scope() as session:
        return templates.preview(session, principal, body=body, subject=subject, data=data)
