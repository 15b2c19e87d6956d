"""/admin/payments: every payment an admin may see, filters, CSV export and refunds with a confirmation step."""

import asyncio
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services import directory
from kisaan_app.services.errors import DomainError, ValidationFailed
from kisaan_app.services.payments import history, refunds
from kisaan_app.state.paging import FilteredListMixin
from kisaan_app.state.payments import payment_row
from kisaan_app.state.session import ADMIN_ROLES, SessionState


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def paise_from_rupees(text: str, field: str) -> int | None:
    """'1,250.50' -> 125050; blank -> None; anything else is a clear error, never a guess."""
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed("amount_invalid", field=field) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("amount_invalid", field=field)
    return int(value * 100)


class AdminPaymentsState(FilteredListMixin, SessionState):
    page_size = 25
    filter_fields = ("status", "date_from", "date_to", "organization_id", "min_amount", "max_amount")
    filter_max_length = 20
    rows: list[dict[str, str]] = []
    organizations: list[list[str]] = []
    error: str = ""
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

    def _guard(self):
        return self.authorize(*ADMIN_ROLES)

    def _filter(self) -> history.PaymentFilter:
        f = self.filters
        return history.PaymentFilter(
            status=f.get("status") or None,
            date_from=_day(f.get("date_from", "")),
            date_to=_day(f.get("date_to", "")),
            organization_id=int(f["organization_id"]) if f.get("organization_id", "").isdigit() else None,
            min_paise=paise_from_rupees(f.get("min_amount", ""), "min_amount"),
            max_paise=paise_from_rupees(f.get("max_amount", ""), "max_amount"),
        )

    def _refresh(self, principal) -> None:
        try:
            with session_scope() as session:
                rows, self.total = history.page(session, principal, self._filter(), self.page_size, self.offset)
                self.organizations = [[str(o.id), o.name] for o in directory.organizations(session, principal)]
        except DomainError as err:  # a filter that makes no sense (an amount range upside down, say)
            self.error, self.rows, self.total = self._error(err), [], 0
            return
        self.rows, self.error = [payment_row(r) for r in rows], ""
        self.loaded = True

    @rx.var
    def export_url(self) -> str:
        wanted = {
            "status": "status",
            "date_from": "date_from",
            "date_to": "date_to",
            "organization_id": "organization_id",
        }
        query = {api: self.filters[k] for k, api in wanted.items() if self.filters.get(k)}
        for name in ("min_amount", "max_amount"):
            try:
                paise = paise_from_rupees(self.filters.get(name, ""), name)
            except ValidationFailed:
                paise = None
            if paise is not None:
                query[f"{name}_paise"] = str(paise)
        return "/api/payments/export.csv" + (f"?{urlencode(query)}" if query else "")

    def _on_load(self) -> None:
        self.error, self.filters, self.refund_open = "", {}, False

    @rx.event
    def open_refund(self, receipt: str):
        principal, denied = self._guard()
        if denied is not None:
            return denied
        with session_scope() as session:
            row, _ = history.one(session, principal, receipt)
            payment = refunds.payment_for_refund(session, principal, receipt)
            available = refunds.refundable_paise(session, payment)
        self.refund_receipt, self.refund_available = row.receipt, rupees(available, decimals=True)
        self.refund_amount, self.refund_reason, self.refund_error = f"{available / 100:.2f}", "", ""
        self.refund_step, self.refund_key, self.refund_open = "form", f"ui-{uuid.uuid4().hex}", True

    @rx.event
    def close_refund(self):
        self.refund_open, self.refund_busy = False, False

    @rx.event
    def review_refund(self, form: dict):
        """Step one: check the figures and show them back before any money moves."""
        principal, denied = self._guard()
        if denied is not None:
            return denied
        self.refund_amount = str(form.get("amount", "")).strip()[:20]
        self.refund_reason = str(form.get("reason", "")).strip()[:300]
        try:
            paise = paise_from_rupees(self.refund_amount, "amount")
            if not paise:
                raise ValidationFailed("refund_amount", field="amount")
            if len(self.refund_reason) < 3:
                raise ValidationFailed("refund_reason", field="reason")
        except DomainError as err:
            self.refund_error = self._error(err)
            return None
        self.refund_error, self.refund_step = "", "confirm"
        self.refund_amount = f"{paise / 100:.2f}"
        return None

    @rx.var
    def refund_amount_label(self) -> str:
        try:
            return rupees(paise_from_rupees(self.refund_amount, "amount"), decimals=True)
        except ValidationFailed:
            return ""

    @rx.event(background=True)
    async def confirm_refund(self):
        """Step two: ask Razorpay (off the state lock); the idempotency key makes a retry harmless."""
        async with self:
            principal, denied = self._guard()
            if denied is not None:
                return denied
            if self.refund_busy or self.refund_step != "confirm":
                return None
            self.refund_busy, self.refund_error = True, ""
            args = (
                self.refund_receipt,
                paise_from_rupees(self.refund_amount, "amount"),
                self.refund_reason,
                self.refund_key,
                self._meta(),
            )
        try:
            await asyncio.to_thread(_refund, principal, *args)
            outcome = {"refund_step": "done"}
        except DomainError as err:
            outcome = {"refund_error": self._error(err), "refund_step": "form"}
        async with self:
            for name, value in outcome.items():
                setattr(self, name, value)
            self.refund_busy = False
            self._refresh(principal)
        return None

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment",)
    live_roles: ClassVar[tuple[str, ...]] = ADMIN_ROLES

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """A payment this admin may see moved: reload the page of rows, if this tab has it open."""
        if self.loaded:
            await asyncio.to_thread(self._reload_live)

    def _reload_live(self) -> None:
        principal = self._current_principal()
        if principal is not None:
            try:
                self._refresh(principal)
            except DomainError:
                pass


def _refund(principal, receipt: str, amount_paise: int, reason: str, key: str, meta) -> None:
    with session_scope() as session:
        refunds.refund(session, principal, meta, receipt, amount_paise, reason, key)
