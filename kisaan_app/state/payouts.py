"""/payouts: where a seller is paid (their Route linked account), what each sale sends them after the platform
fee and whether it is held, released or in their bank; for admins, reconciliation's findings."""

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import ist, rupees
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services.context import Principal
from kisaan_app.services.payouts import accounts, fees, ledger, reconcile
from kisaan_app.settings import get_settings
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

ACCOUNT_FORM = {
    "kind": 4,
    "legal_name": 200,
    "beneficiary_name": 200,
    "pan": 20,
    "email": 254,
    "phone": 20,
    "street": 200,
    "city": 200,
    "state": 200,
    "pincode": 10,
    "account_number": 30,
    "ifsc": 20,
    "upi_vpa": 300,
    "payout_kind": "kind",  # the select's element id (guard.check_form)
}
SELLER_ROLES = (Role.FARMER, Role.ORG_ADMIN, Role.ADMIN)


@dataclass(frozen=True)
class PayoutRow:
    order_number: str
    status: str
    amount: str  # what the buyer paid
    fee: str
    fee_rate: str  # "2"
    seller: str  # what reaches the seller
    refunded: str  # "" when nothing was refunded
    release: str  # when the hold ends (or ended)
    mismatch: str


def _row(view: ledger.PayoutView) -> PayoutRow:
    return PayoutRow(
        order_number=view.order_number,
        status=view.status,
        amount=rupees(view.gross_paise),
        fee=rupees(view.fee_paise),
        fee_rate=fees.percent_label(view.fee_bps),
        seller=rupees(view.seller_paise),
        refunded=rupees(view.refunded_paise) if view.refunded_paise else "",
        release=ist(view.released_at or view.release_due_at),
        mismatch=view.mismatch or "",
    )


@dataclass(frozen=True)
class Loaded:
    account: dict[str, str]
    rows: list[PayoutRow]
    flagged: list[PayoutRow]


class PayoutsState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = SELLER_ROLES
    account: dict[str, str] = {}
    has_account: bool = False  # false: the form shows
    rows: list[PayoutRow] = []
    flagged: list[PayoutRow] = []
    field_errors: dict[str, str] = {}
    kind: str = "bank"
    account_saved: bool = False  # the page says so in the reader's language
    error: str = ""
    reconcile_message: str = ""
    busy: bool = False
    loaded: bool = False
    fee_rate: str = fees.percent_label(get_settings().platform_fee_bps)
    window_days: str = f"{get_settings().payout_dispute_window_hours / 24:g}"

    @staticmethod
    def _fetch(principal: Principal, ask) -> Loaded:
        with session_scope() as session:
            row = accounts.account_of(session, principal) if principal.role != Role.ADMIN else None
            account = {}
            if row is not None:
                shown = row.upi_vpa or f"•••• {row.account_last4} · {row.ifsc}"
                account = {"status": row.status, "kind": row.settlement_kind, "to": shown, "name": row.beneficiary_name}
            views = ledger.payouts_for(session, principal)
            flagged = ledger.mismatches(session) if principal.role == Role.ADMIN else []
            return Loaded(account, [_row(v) for v in views], [_row(v) for v in flagged])

    def _show(self, result: Loaded) -> None:
        self.account, self.rows, self.flagged, self.loaded = result.account, result.rows, result.flagged, True
        self.has_account = bool(result.account)

    @rx.var
    def explainer(self) -> str:
        """The fee and the hold in the reader's words (follows a language change at once)."""
        return self._tr("payouts.explainer", rate=self.fee_rate, days=self.window_days)

    @guarded(clear=("reconcile_message",))
    async def load(self, principal: Principal):
        await self._reload(principal)

    def set_payout_kind(self, kind: str):
        """Which half of the form shows (bank or UPI): touches no data."""
        self.kind = "upi" if kind == "upi" else "bank"

    @guarded(Role.FARMER, Role.ORG_ADMIN, error=None, fields="field_errors", form=ACCOUNT_FORM, background=True)
    async def save_account(self, principal: Principal, form: dict):
        """Razorpay is called in a worker thread, off the state lock (three calls; seconds on a slow day)."""
        async with self:
            if self.busy:
                return
            self.busy, self.account_saved = True, False
        values = {k: form.get(k, "") for k in ACCOUNT_FORM if not k.startswith("payout_")}
        try:
            await off_loop(accounts.set_up, session_scope, principal, accounts.AccountForm(**values))
            shown = await off_loop(self._fetch, principal, None)
            async with self:
                self._show(shown)
                self.account_saved = True
        finally:
            async with self:
                self.busy = False

    @guarded(Role.ADMIN, error="reconcile_message", background=True)
    async def run_reconciliation(self, principal: Principal):
        async with self:
            if self.busy:
                return
            self.busy = True
        try:
            report = await off_loop(reconcile.reconcile, session_scope)
            shown = await off_loop(self._fetch, principal, None)
            async with self:
                self._show(shown)
                self.reconcile_message = self._tr(
                    "payouts.reconciled", checked=report.checked, flagged=len(report.flagged), errors=report.errors
                )
        finally:
            async with self:
                self.busy = False

    # ------------------------------------------------------------ live events (state/live.py)

    live_topics: ClassVar[tuple[str, ...]] = ("payment", "order")
    live_roles: ClassVar[tuple[str, ...]] = SELLER_ROLES

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """A sale of mine moved (paid, delivered, refunded, transfer released): reload the payouts."""
        if self.loaded:
            await off_loop(self._reload_live)
