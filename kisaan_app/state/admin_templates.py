"""/admin/templates: message templates per channel and language; edit, and preview with sample data first."""

import json
from dataclasses import asdict, dataclass
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.state.drafts import DraftMixin
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

TEMPLATE_FIELDS = ("key", "channel", "language", "category", "subject", "body", "html_body")
NEW_TEMPLATE = {"channel": "sms", "language": "en", "category": "system", "sample": "{}"}


@dataclass(frozen=True)
class TemplateRow:
    id: str
    key: str
    channel: str
    language: str
    category: str
    subject: str
    body: str
    html_body: str
    variables: str


class AdminTemplatesState(DraftMixin, SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.ADMIN,)
    draft_fields: ClassVar[tuple[str, ...]] = (*TEMPLATE_FIELDS, "sample")
    draft_limit: ClassVar[int] = 5000
    rows: list[TemplateRow] = []
    editing_id: int = 0
    editor_open: bool = False
    field_errors: dict[str, str] = {}
    preview_subject: str = ""
    preview_body: str = ""
    preview_note: str = ""
    message: str = ""

    @staticmethod
    def _fetch(principal, _ask):
        from kisaan_app.services.notifications import templates

        with session_scope() as session:
            return [
                TemplateRow(
                    id=str(t.id),
                    key=t.key,
                    channel=t.channel,
                    language=t.language,
                    category=t.category,
                    subject=t.subject or "",
                    body=t.body,
                    html_body=t.html_body or "",
                    variables=", ".join(t.variables or []),
                )
                for t in templates.list_templates(session, principal)
            ]

    def _show(self, result) -> None:
        self.rows = result

    def _clear_preview(self) -> None:
        self.preview_subject = self.preview_body = self.preview_note = ""

    def _draft_changed(self, name: str):
        self._clear_preview()
        self.field_errors, self.message = {}, ""

    @guarded(error=None, fields="field_errors", clear=("message",))
    async def load(self, principal: Principal):
        self.editor_open = False
        await self._reload(principal)

    @guarded(error=None, fields="field_errors", clear=("message",))
    async def new_template(self, principal: Principal):
        self.editing_id, self.draft = 0, dict(NEW_TEMPLATE)
        self._clear_preview()
        self.editor_open = True

    @guarded(error=None, fields="field_errors", clear=("message",))
    async def edit(self, principal: Principal, template_id: str):
        row = next((r for r in self.rows if r.id == template_id), None)
        if row is None:
            return
        sample = {name.strip(): "" for name in row.variables.split(",") if name.strip()}
        fields = asdict(row)
        self.draft = {**{k: fields[k] for k in TEMPLATE_FIELDS}, "sample": json.dumps(sample, ensure_ascii=False)}
        self.editing_id = int(template_id)
        self._clear_preview()
        self.editor_open = True

    def close_editor(self):
        """Closes the editor: touches no data."""
        self.editor_open = False

    @guarded(error=None, fields="field_errors")
    async def preview(self, principal: Principal):
        self._clear_preview()
        try:
            data = json.loads(self._text("sample") or "{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.field_errors = {"sample": self._tr("templates.sample_invalid")}
            return
        body, subject = self.draft.get("body", ""), self.draft.get("subject") or None
        # Rendering runs an admin's template: off the event loop (it has a time budget, still).
        result = await off_loop(_preview, principal, body, subject, data)
        if result.missing:
            self.field_errors = {"sample": self._tr("messages.missing_variables", names=", ".join(result.missing))}
        self.preview_subject, self.preview_body = result.subject or "", result.body
        if result.segments and self.draft.get("channel") == "sms":
            self.preview_note = self._tr("messages.segments", count=result.segments)

    @guarded(error=None, fields="field_errors", clear=("message",))
    async def save(self, principal: Principal):
        d = self.draft
        channel, category = d.get("channel", ""), d.get("category", "")
        fields = dict(
            key=self._text("key"),
            channel=channel if channel in CHANNELS else "",
            language=self._text("language") or "en",
            category=category if category in CATEGORIES else "",
            subject=self._text("subject") or None,
            body=d.get("body", ""),
            html_body=d.get("html_body") or None,
            template_id=self.editing_id or None,
        )
        saved_key = await off_loop(_save, principal, self._meta(), fields)
        self.message = self._tr("templates.saved", name=saved_key)
        self.editor_open = False
        await self._reload(principal)


def _preview(principal: Principal, body: str, subject: str | None, data: dict):
    from kisaan_app.services.notifications import templates

    with session_scope() as session:
        return templates.preview(session, principal, body=body, subject=subject, data=data)


def _save(principal: Principal, meta: RequestMeta, fields: dict) -> str:
    from kisaan_app.services.notifications import templates

    with session_scope() as session:
        return templates.save_template(session, principal, meta, **fields).key
