"""Paging for list pages, as a Reflex mixin so each list keeps its own page and total."""

from typing import ClassVar

import reflex as rx

from kisaan_app.services.context import Principal
from kisaan_app.services.errors import DomainError
from kisaan_app.state.guard import check_form, guarded


class PagedListMixin(rx.State, mixin=True):
    """A list page: `guard_roles` say who may see it; `_ask` / `_fetch` / `_show` (SessionState) load a page."""

    page_size: ClassVar[int] = 20
    page: int = 1
    total: int = 0
    error: str = ""

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

    def _on_load(self) -> None:
        """A fresh visit starts on page 1; a list may also clear its own filters, dialogs or messages."""

    @guarded()
    async def load(self, principal: Principal):
        self.page = 1
        self._on_load()
        await self._reload(principal)

    @guarded()
    async def go_to_page(self, principal: Principal, delta: int):
        self.page = min(max(1, self.page + int(delta)), self.pages)
        await self._reload(principal)


class FilteredListMixin(PagedListMixin, mixin=True):
    """A paged list whose filter form's fields land in `filters` (only those fields, each one capped)."""

    filter_fields: ClassVar[tuple[str, ...]] = ()
    rows_var: ClassVar[str] = "rows"  # emptied when the filters make no sense
    # Element ids of the filter inputs (Reflex sends those values under their ids too) → the field they mirror.
    filter_ids: ClassVar[dict[str, str]] = {}
    filter_max_length: ClassVar[int] = 40
    filters: dict[str, str] = {}

    @guarded()
    async def apply_filters(self, principal: Principal, form: dict):
        # The same refusal as a guarded form: a field the filter bar does not have, or a value over its size.
        form = check_form(form, {**dict.fromkeys(self.filter_fields, self.filter_max_length), **self.filter_ids})
        self.filters = {k: form.get(k, "").strip() for k in self.filter_fields}
        self.page = 1
        try:
            await self._reload(principal)
        except DomainError:  # a filter that makes no sense (an amount range upside down): its error, no rows
            setattr(self, self.rows_var, [])
            self.total = 0
            raise
