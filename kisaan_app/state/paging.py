"""Paging for list pages, as a Reflex mixin so each list keeps its own page and total."""

from typing import ClassVar

import reflex as rx


class PagedListMixin(rx.State, mixin=True):
    page_size: ClassVar[int] = 20
    page: int = 1
    total: int = 0

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @rx.var
    def page_label(self) -> str:
        return self._tr("common.page_of", page=self.page, pages=self.pages)

    @rx.var
    def total_label(self) -> str:
        return self._tr("common.total", count=self.total)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def _guard(self):
        """(principal, denied) for this list's roles; each list defines who may see it."""
        raise NotImplementedError

    def _refresh(self, principal) -> None:
        raise NotImplementedError

    def _on_load(self) -> None:
        """A fresh visit starts on page 1; a list may also clear its own filters, dialogs or messages."""

    @rx.event
    def load(self):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.page = 1
        self._on_load()
        self._refresh(principal)

    @rx.event
    def go_to_page(self, delta: int):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.page = min(max(1, self.page + delta), self.pages)
        self._refresh(principal)


class FilteredListMixin(PagedListMixin, mixin=True):
    """A paged list whose filter form's fields land in `filters` (trimmed and capped, as typed)."""

    filter_fields: ClassVar[tuple[str, ...]] = ()
    filter_max_length: ClassVar[int] = 40
    filters: dict[str, str] = {}

    @rx.event
    def apply_filters(self, form: dict):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.filters = {k: str(form.get(k, "")).strip()[: self.filter_max_length] for k in self.filter_fields}
        self.page = 1
        self._refresh(principal)
