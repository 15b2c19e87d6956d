"""A form whose fields live in state (so a page can fill it, preview it and re-fill it), as a Reflex mixin."""

from typing import ClassVar

import reflex as rx


class DraftMixin(rx.State, mixin=True):
    # The field names a page may set; anything else a browser sends is ignored.
    draft_fields: ClassVar[tuple[str, ...]] = ()
    draft_limit: ClassVar[int] = 2000
    draft: dict[str, str] = {}

    def _draft_changed(self, name: str):
        """Hook: a field changed (e.g. recount the recipients); may return events."""
        return None

    @rx.event
    def set_draft(self, name: str, value: str):
        if name in self.draft_fields:
            self.draft = {**self.draft, name: str(value)[: self.draft_limit]}
            return self._draft_changed(name)
        return None

    def _text(self, name: str) -> str:
        return self.draft.get(name, "").strip()
