"""/admin/payments: every payment an admin may see, filters, CSV export and refunds with a confirmation step."""

import uuid
from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import parsing
from kisaan_app.services.accounts import directory
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError, ValidationFailed
from kisaan_app.services.payments import history, refunds
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.paging import FilteredListMixin
from kisaan_app.state.payments import PaymentRow, payment_row
from kisaan_app.state.session import ADMIN_ROLES, SessionState

REFUND_FORM = {"amount": 24, "reason": 300, "refund_amount": "amount", "refund_reason": "reason"}


def _amount(text: str, field: str) -> int | None:
    return parsing.paise(text, field, positive=False, required=False)


class AdminPaymentsState(FilteredListMixin, SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES
    page_size: ClassVar[int] = 25
    filter_fields: ClassVar[tuple[str, ...]] = (
        "status",
        "date_from",
        "date_to",
        "organization_id",
        "min_amount",
        "max_amount",
    )
    filter_max_length: ClassVar[int] = 24
    filter_ids: ClassVar[dict[str, str]] = {"filter_status": "status", "filter_org": "organization_id"}
    rows: list[PaymentRow] = []
    organizations: list[list[str]] = []
    loaded: bool = False
    # The refund dialog: form → confirm → done. The key is made when the dialog opens, so a double
    # click or a retry after a timeout asks Razorpay for the same refund, never a second one.
    refund_open: bool = False
    refund_step: str = "form"
    refund_receipt: str = ""
    refund_available: str = ""
    refund_amount: str = ""
    refund_reason: str = ""
    refund_key: str = ""
    refund_error: str = ""
    refund_busy: bool = False

    def _ask(self):
        f = self.filters
        date_from, date_to = parsing.day(f.get("date_from"), "date_from"), parsing.day(f.get("date_to"), "date_to")
        org = f.get("organization_id", "")
        flt = history.PaymentFilter(
            status=f.get("status") or None,
            date_from=date_from,  # the service reads these as whole days in India
            date_to=date_to,
            organization_id=parsing.ident(org) if org else None,
            min_paise=_amount(f.get("min_amount", ""), "min_amount"),
            max_paise=_amount(f.get("max_amount", ""), "max_amount"),
        )
        return flt, self.page_size, self.offset

    @staticmethod
    def _fetch(principal, ask):
        flt, limit, offset = ask
        with session_scope() as session:
            rows, total = history.page(session, principal, flt, limit, offset)
            organizations = [[str(o.id), o.name] for o in directory.organizations(session, principal)]
            return [payment_row(r) for r in rows], total, organizations

    def _show(self, result) -> None:
        self.rows, self.total, self.organizations = result
        self.loaded = True

    @rx.var
    def export_url(self) -> str:
        wanted = ("status", "date_from", "date_to", "organization_id")
        query = {k: self.filters[k] for k in wanted if self.filters.get(k)}
        for name in ("min_amount", "max_amount"):
            try:
                paise = _amount(self.filters.get(name, ""), name)
            except ValidationFailed:
                paise = None
            if paise is not None:
                query[f"{name}_paise"] = str(paise)
        return "/api/payments/export.csv" + (f"?{urlencode(query)}" if query else "")

    def _on_load(self) -> None:
        self.filters, self.refund_open = {}, False

    @guarded()
    async def open_refund(self, principal: Principal, receipt: str):
        shown_receipt, available = await off_loop(_refundable, principal, receipt)
        self.refund_receipt, self.refund_available = shown_receipt, rupees(available)
        self.refund_amount, self.refund_reason, self.refund_error = f"{available / 100:.2f}", "", ""
        self.refund_step, self.refund_key, self.refund_open = "form", f"ui-{uuid.uuid4().hex}", True

    def close_refund(self):
        """Closes the dialog: touches no data."""
        self.refund_open, self.refund_busy = False, False

    @guarded(error="refund_error", form=REFUND_FORM)
    async def review_refund(self, principal: Principal, form: dict):
        """Step one: check the figures and show them back before any money moves."""
        self.refund_amount = form.get("amount", "").strip()
        self.refund_reason = form.get("reason", "").strip()
        paise = parsing.paise(self.refund_amount, "amount", positive=False, required=False)
        if not paise:
            raise ValidationFailed("refund_amount", field="amount")
        if len(self.refund_reason) < 3:
            raise ValidationFailed("refund_reason", field="reason")
        self.refund_step = "confirm"
        self.refund_amount = f"{paise / 100:.2f}"

    @rx.var
    def refund_amount_label(self) -> str:
        try:
            return rupees(_amount(self.refund_amount, "amount"))
        except ValidationFailed:
            return ""

    @guarded(error="refund_error", background=True)
    async def confirm_refund(self, principal: Principal):
        """Step two: ask Razorpay (off the state lock); the idempotency key makes a retry harmless."""
        async with self:
            if self.refund_busy or self.refund_step != "confirm":
                return None
            self.refund_busy = True
            args = (self.refund_receipt, _amount(self.refund_amount, "amount"), self.refund_reason, self.refund_key)
            meta, ask = self._meta(), self._ask()
        outcome: dict[str, str] = {"refund_step": "done"}
        try:
            await off_loop(_refund, principal, meta, *args)
        except DomainError as err:
            outcome = {"refund_error": self._error(err), "refund_step": "form"}
        shown = None
        try:
            shown = await off_loop(self._fetch, principal, ask)
        finally:
            async with self:
                for name, value in outcome.items():
                    setattr(self, name, value)
                self.refund_busy = False
                if shown is not None:
                    self._show(shown)
        return None

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment",)
    live_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """A payment this admin may see moved: reload the page of rows, if this tab has it open."""
        if self.loaded:
            await off_loop(self._reload_live)


def _refundable(principal: Principal, receipt: str) -> tuple[str, int]:
    with session_scope() as session:
        row, _ = history.one(session, principal, receipt)
        payment = refunds.payment_for_refund(session, principal, receipt)
        return row.receipt, refunds.refundable_paise(session, payment)


def _refund(principal: Principal, meta: RequestMeta, receipt: str, amount_paise: int, reason: str, key: str) -> None:
    with session_scope() as session:
        refunds.refund(session, principal, meta, receipt, amount_paise, reason, key)
