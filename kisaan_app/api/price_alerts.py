"""A farmer's price alerts under /api/price-alerts: list, add (checked like the page's form), remove."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.api.ids import RowId
from kisaan_app.services.feeds import price_alerts

router = APIRouter(prefix="/api/price-alerts", tags=["price alerts"])


class RuleIn(BaseModel):
    commodity: str = Field(max_length=80)
    kind: Literal["above", "below", "move"]
    market: str = Field("", max_length=120)
    district: str = Field("", max_length=80)
    threshold_paise: int | None = Field(None, description="per quintal, for above / below")
    move_percent: int | None = Field(None, description="1 to 100, for move")


class RuleOut(BaseModel):
    id: int
    commodity: str
    kind: str
    market: str | None
    district: str | None
    threshold_paise: int | None
    move_percent: int | None
    last_fired_on: str | None


def _out(row) -> RuleOut:
    fired = row.last_fired_on.isoformat() if row.last_fired_on else None
    return RuleOut(**row.model_dump(include=set(RuleOut.model_fields) - {"last_fired_on"}), last_fired_on=fired)


@router.get("", response_model=list[RuleOut])
def my_rules(principal: CurrentPrincipal, session: SessionDep):
    return [_out(row) for row in price_alerts.rules_of(session, principal)]


@router.post("", response_model=RuleOut, status_code=201)
def add_rule(body: RuleIn, principal: CurrentPrincipal, session: SessionDep):
    return _out(price_alerts.create(session, principal, price_alerts.RuleInput(**body.model_dump())))


@router.delete("/{rule_id}", status_code=204)
def remove_rule(rule_id: RowId, principal: CurrentPrincipal, session: SessionDep) -> None:
    price_alerts.delete(session, principal, rule_id)
