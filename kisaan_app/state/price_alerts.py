"""/alerts/prices: a farmer's price alert rules — add one (crop, market or district, above / below a price or
a % move in a day), see when each last fired, remove one."""

from dataclasses import dataclass
from typing import ClassVar

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import local_day, rupees
from kisaan_app.models.enums import Role
from kisaan_app.services import glossary, parsing
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ErrorCode, ValidationFailed
from kisaan_app.services.feeds import price_alerts
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

RULE_FORM = {
    "commodity": 80,
    "place_kind": 8,
    "place": 120,
    "kind": 5,
    "amount": 24,
    "alert_place_kind": "place_kind",  # the selects' element ids (guard.check_form)
    "alert_kind": "kind",
}


@dataclass(frozen=True)
class RuleRow:
    id: int
    commodity: str
    place: str
    kind: str  # above | below | move
    line: str  # "₹2,500" or "10"
    fired: str  # the last day it fired, or ""


def _row(rule, lang: str) -> RuleRow:
    """A rule as its card: the crop and the day it last fired in the reader's language."""
    line = str(rule.move_percent) if rule.kind == "move" else rupees(rule.threshold_paise)
    crop, place = glossary.label("crop", rule.commodity, lang), rule.market or rule.district or ""
    return RuleRow(rule.id, crop, place, rule.kind, line, local_day(rule.last_fired_on, lang))


class PriceAlertsState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.FARMER,)
    rules: list[RuleRow] = []
    field_errors: dict[str, str] = {}
    error: str = ""
    added: bool = False
    kind: str = "above"

    def _ask(self) -> str:
        return self.lang

    @staticmethod
    def _fetch(principal: Principal, lang: str) -> list[RuleRow]:
        with session_scope() as session:
            return [_row(r, lang) for r in price_alerts.rules_of(session, principal)]

    def _show(self, result: list[RuleRow]) -> None:
        self.rules = result

    @guarded()
    async def load(self, principal: Principal):
        self.added = False
        await self._reload(principal)

    def set_alert_kind(self, kind: str):
        """Which line the form asks for (a price, or a percent): touches no data."""
        self.kind = kind if kind in ("above", "below", "move") else "above"

    @guarded(error=None, fields="field_errors", form=RULE_FORM)
    async def add(self, principal: Principal, form: dict):
        self.added = False
        kind = form.get("kind", "above")
        amount = form.get("amount", "")
        where = {"market": "", "district": ""}
        where["district" if form.get("place_kind") == "district" else "market"] = form.get("place", "")
        if kind == "move":
            percent = amount.strip().removesuffix("%").strip()
            if not (percent.isascii() and percent.isdigit()) or len(percent) > 3:
                raise ValidationFailed(ErrorCode.PRICE_ALERT_PERCENT, field="amount")
            rule = price_alerts.RuleInput(form.get("commodity", ""), kind, **where, move_percent=int(percent))
        else:
            threshold = parsing.paise(amount, "amount", code=ErrorCode.PRICE_ALERT_PRICE)
            rule = price_alerts.RuleInput(form.get("commodity", ""), kind, **where, threshold_paise=threshold)
        self.rules = await off_loop(_add, principal, rule)
        self.added = True

    @guarded()
    async def remove(self, principal: Principal, rule_id: int):
        self.rules = await off_loop(_remove, principal, int(rule_id))


def _add(principal: Principal, rule: price_alerts.RuleInput) -> list[RuleRow]:
    with session_scope() as session:
        try:
            price_alerts.create(session, principal, rule)
        except ValidationFailed as err:
            if err.field in ("threshold_paise", "move_percent"):
                err.field = "amount"  # one box on the page holds either
            raise
    return PriceAlertsState._fetch(principal, None)


def _remove(principal: Principal, rule_id: int) -> list[RuleRow]:
    with session_scope() as session:
        price_alerts.delete(session, principal, rule_id)
    return PriceAlertsState._fetch(principal, None)
