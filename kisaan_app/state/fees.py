"""The platform fee where people agree to a price and on the receipt: the rate before anyone agrees (bid form,
accepting an offer) and, on a paid sale's receipt, the fee and the farmer's share in rupees."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import DomainError
from kisaan_app.services.payouts import fees, ledger
from kisaan_app.settings import get_settings
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState


class FeeState(SessionState):
    fee_rate: str = fees.percent_label(get_settings().platform_fee_bps)
    receipt_fee: str = ""  # "" when the receipt has no fee line (a plan, or not paid yet)
    receipt_seller: str = ""
    receipt_rate: str = ""

    @rx.var
    def before_note(self) -> str:
        """Said before anyone agrees to a price, in the reader's language (follows a language change)."""
        return self._tr("payouts.fee_before", rate=self.fee_rate)

    @guarded(error=None)
    async def load_receipt(self, principal: Principal):
        receipt = self.router.url.query_parameters.get("receipt", "")
        shown = await off_loop(_receipt_line, principal, str(receipt)[:40])
        self.receipt_fee, self.receipt_seller, self.receipt_rate = shown


def _receipt_line(principal: Principal, receipt: str) -> tuple[str, str, str]:
    try:
        with session_scope() as session:
            split = ledger.receipt_split(session, principal, receipt)
    except DomainError:  # not this person's payment: the page itself says so
        return "", "", ""
    if split is None:
        return "", "", ""
    rate = fees.percent_label(split.fee_bps)
    return rupees(split.fee_paise), rupees(split.seller_paise), rate
