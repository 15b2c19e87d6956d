"""A form whose fields live in state (so a page can fill it, preview it and re-fill it), as a Reflex mixin."""

from typing import ClassVar

import reflex as rx


class DraftMixin(rx.State, mixin=True):
    # The field names a page may set, and the longest value one takes; anything else a browser sends is refused.
    draft_fields: ClassVar[tuple[str, ...]] = ()
    draft_limit: ClassVar[int] = 2000
    draft: dict[str, str] = {}

    def _draft_changed(self, name: str):
        """Hook: a field changed (e.g. recount the recipients); may return events."""
        return None

    def set_draft(self, name: str, value: str):
        """Typing in a draft field touches no data (a hook may return a guarded event): on the allowlist."""
        if name not in self.draft_fields or not isinstance(value, str) or len(value) > self.draft_limit:
            return None  # refused: the draft stays exactly as it was
        self.draft = {**self.draft, name: value}
        return self._draft_changed(name)

    def _text(self, name: str) -> str:
        return self.draft.get(name, "").strip()
