"""Price alerts: a farmer's rules (crop, market or district, above / below a price, or a % move in a day),
evaluated on every price import and tick; a match tells the farmer through notify() at most once per rule per
day (India's day), whatever imports or ticks repeat the same price.

"Once a day" is a guarded UPDATE on the rule (last_fired_on before today → today): two imports at once cannot
both fire it, and the notification's idempotency key (rule and day) backs it up.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.enums import Role
from kisaan_app.models.feeds import PRICE_ALERT_KINDS, PriceAlertRule
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ErrorCode, NotFound, ValidationFailed
from kisaan_app.services.feeds.prices import PriceRecord, previous_modal_paise

INDIA = ZoneInfo("Asia/Kolkata")
MAX_RULES = 20  # per farmer: enough for every crop and market they follow
MAX_PRICE_PAISE = 10_000_000 * 100  # ₹1 crore per quintal: anything above is a typo


def today_in_india() -> date:
    return datetime.now(INDIA).date()


@dataclass(frozen=True)
class RuleInput:
    commodity: str
    kind: str  # above | below | move
    market: str = ""
    district: str = ""
    threshold_paise: int | None = None
    move_percent: int | None = None


def _check(rule: RuleInput) -> RuleInput:
    commodity = " ".join(rule.commodity.split()).title()
    if not 2 <= len(commodity) <= 80:
        raise ValidationFailed(ErrorCode.PRICE_ALERT_CROP, field="commodity")
    market, district = " ".join(rule.market.split()), " ".join(rule.district.split()).title()
    if bool(market) == bool(district) or len(market) > 120 or len(district) > 80:
        raise ValidationFailed(ErrorCode.PRICE_ALERT_PLACE, field="market")
    if rule.kind not in PRICE_ALERT_KINDS:
        raise ValidationFailed(ErrorCode.PRICE_ALERT_KIND, field="kind")
    if rule.kind == "move":
        if not isinstance(rule.move_percent, int) or not 1 <= rule.move_percent <= 100:
            raise ValidationFailed(ErrorCode.PRICE_ALERT_PERCENT, field="move_percent")
        return RuleInput(commodity, "move", market, district, None, rule.move_percent)
    if not isinstance(rule.threshold_paise, int) or not 0 < rule.threshold_paise <= MAX_PRICE_PAISE:
        raise ValidationFailed(ErrorCode.PRICE_ALERT_PRICE, field="threshold_paise")
    return RuleInput(commodity, rule.kind, market, district, rule.threshold_paise, None)


def create(session: Session, actor: Principal, raw: RuleInput) -> PriceAlertRule:
    require_role(actor, Role.FARMER)
    rule = _check(raw)
    count = session.exec(
        select(func.count()).select_from(PriceAlertRule).where(PriceAlertRule.user_id == actor.id)
    ).one()
    if count >= MAX_RULES:
        raise ValidationFailed(ErrorCode.PRICE_ALERT_TOO_MANY, limit=MAX_RULES)
    row = PriceAlertRule(
        user_id=actor.id,
        commodity=rule.commodity,
        market=rule.market or None,
        district=rule.district or None,
        kind=rule.kind,
        threshold_paise=rule.threshold_paise,
        move_percent=rule.move_percent,
    )
    session.add(row)
    session.flush()
    return row


def rules_of(session: Session, actor: Principal) -> list[PriceAlertRule]:
    require_role(actor, Role.FARMER)
    query = select(PriceAlertRule).where(PriceAlertRule.user_id == actor.id).order_by(col(PriceAlertRule.id))
    return list(session.exec(query).all())


def delete(session: Session, actor: Principal, rule_id: int) -> None:
    """A farmer removes their own rule; anyone else's is "not found" (ids are not secrets, rules are)."""
    require_role(actor, Role.FARMER)
    row = session.get(PriceAlertRule, rule_id)
    if row is None or row.user_id != actor.id:
        raise NotFound(ErrorCode.PRICE_ALERT_NOT_FOUND)
    session.delete(row)


def _matches(rule: PriceAlertRule, record: PriceRecord, previous: int | None) -> bool:
    if rule.market and rule.market.lower() != record.market.lower():
        return False
    if rule.district and rule.district.lower() != record.district.lower():
        return False
    price = record.modal_price_paise
    if rule.kind == "above":
        return price >= (rule.threshold_paise or 0)
    if rule.kind == "below":
        return price <= (rule.threshold_paise or 0)
    return bool(previous) and abs(price - previous) * 100 >= (rule.move_percent or 0) * previous


def _claim_today(session: Session, rule_id: int, today: date) -> bool:
    result = session.execute(
        update(PriceAlertRule)
        .where(
            col(PriceAlertRule.id) == rule_id,
            or_(col(PriceAlertRule.last_fired_on).is_(None), col(PriceAlertRule.last_fired_on) < today),
        )
        .values(last_fired_on=today)
    )
    return result.rowcount == 1


def evaluate(session: Session, records: Iterable[PriceRecord]) -> list[int]:
    """Check fresh prices (today's or yesterday's: an import of old history alerts nobody) against the active
    rules for their crops; fire each matching rule once today. Returns the ids of the rules that fired."""
    today = today_in_india()
    fresh = [r for r in records if (today - r.arrival_date).days <= 1]
    if not fresh:
        return []
    crops = {r.commodity.title() for r in fresh}
    rules = session.exec(
        select(PriceAlertRule).where(col(PriceAlertRule.commodity).in_(crops), col(PriceAlertRule.active))
    ).all()
    fired: list[int] = []
    for record in fresh:
        previous = None
        for rule in (r for r in rules if r.commodity == record.commodity.title() and r.id not in fired):
            if rule.kind == "move" and previous is None:
                previous = previous_modal_paise(
                    session, record.market, record.commodity, record.variety, record.arrival_date
                )
            if _matches(rule, record, previous) and _claim_today(session, rule.id, today):
                _tell(session, rule, record, today)
                fired.append(rule.id)
    return fired


def _tell(session: Session, rule: PriceAlertRule, record: PriceRecord, today: date) -> None:
    from kisaan_app.i18n import t
    from kisaan_app.models.accounts import User
    from kisaan_app.services.notifications import Audience
    from kisaan_app.services.notifications.dispatch import notify

    farmer = session.get(User, rule.user_id)
    lang = farmer.preferred_language if farmer else "en"
    words = {
        "crop": record.commodity,
        "market": record.market,
        "price": rupees(record.modal_price_paise),
    }
    notify(
        session,
        None,  # the farmer's own rule
        Audience(user_ids=(rule.user_id,), role=""),
        "market",
        subject=t(lang, "price_alerts.fired_title", **words),
        text=t(lang, f"price_alerts.fired_{rule.kind}", **words),
        url="/",
        idempotency_key=f"price-alert:{rule.id}:{today.isoformat()}",
    )
