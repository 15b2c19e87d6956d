"""/api/prices and /api/weather: read the price board, feed prices in (CSV or single ticks), issue warnings."""

import io
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, UploadFile, status
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep, role_required
from kisaan_app.api.ids import RowId
from kisaan_app.models.enums import Role
from kisaan_app.services import audit
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.feeds import price_board, prices, weather

router = APIRouter(prefix="/api", tags=["prices and weather"])
MAX_CSV_BYTES = 5 * 1024 * 1024
AdminOnly = Annotated[Principal, role_required(Role.ADMIN)]


class ImportOut(BaseModel):
    inserted: int
    updated: int
    skipped: list[dict]


class TickIn(BaseModel):
    state: str = Field(min_length=1, max_length=80)
    district: str = Field(min_length=1, max_length=80)
    market: str = Field(min_length=1, max_length=120)
    commodity: str = Field(min_length=1, max_length=80)
    variety: str = Field("Other", max_length=80)
    grade: str = Field("FAQ", max_length=30)
    arrival_date: date | None = None
    min_price: float = Field(ge=0, description="rupees per quintal")
    max_price: float = Field(ge=0)
    modal_price: float = Field(ge=0)


class AlertText(BaseModel):
    title: str = Field(min_length=3, max_length=160)
    message: str = Field(min_length=3, max_length=1000)


class AlertIn(BaseModel):
    district: str = Field(min_length=1, max_length=80)
    state: str = Field("", max_length=80)
    severity: Literal["green", "yellow", "orange", "red"]
    title: str = Field(min_length=3, max_length=160)
    message: str = Field(min_length=3, max_length=1000)
    # With an offset (…+05:30 or …Z): a bare time could be IST or UTC, 5½ hours apart.
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    # The warning in more languages ({"hi": {...}}): each farmer gets theirs, else title/message.
    # Any language with a catalogue; the service refuses others (invalid_language).
    texts: dict[Annotated[str, StringConstraints(min_length=2, max_length=8)], AlertText] | None = Field(
        None, max_length=16
    )
    # A district with no farmers is refused unless a platform admin records the warning on purpose.
    allow_empty: bool = False


class AlertOut(BaseModel):
    id: int
    district: str
    severity: str
    title: str
    message: str
    valid_from: datetime
    valid_until: datetime


@router.get("/prices", response_model=list[price_board.PriceRow])
def latest_prices(
    session: SessionDep,
    _reader: CurrentPrincipal,
    commodity: Annotated[list[str], Query(min_length=1)],
    district: str | None = None,
    state: str | None = None,
):
    return price_board.latest_prices(session, commodity, district, state)


@router.get("/prices/trend", response_model=list[price_board.TrendPoint])
def price_trend(
    session: SessionDep,
    _reader: CurrentPrincipal,
    commodity: str,
    district: str | None = None,
    state: str | None = None,
    days: Annotated[int, Query(ge=2, le=365)] = 30,
):
    return price_board.price_trend(session, commodity, district, state, days)


@router.get("/prices/commodities", response_model=list[str])
def list_commodities(session: SessionDep, _reader: CurrentPrincipal):
    return prices.commodities(session)


@router.post("/prices/import", response_model=ImportOut)
def import_prices(session: SessionDep, meta: MetaDep, admin: AdminOnly, file: UploadFile):
    """A plain `def`: FastAPI runs it in a worker thread, so a 5 MB import never stalls the event loop that
    also carries every dashboard's WebSocket. Returns what was written and every skipped line."""
    raw = file.file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationFailed("csv_too_large", field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("csv_not_utf8", field="file") from None
    report = prices.import_csv(session, io.StringIO(text, newline=""))
    audit.record(
        session,
        "prices.imported",
        actor=admin,
        meta=meta,
        details={
            "file": file.filename,
            "inserted": report.inserted,
            "updated": report.updated,
            "skipped": len(report.skipped),
        },
    )
    return ImportOut(
        inserted=report.inserted,
        updated=report.updated,
        skipped=[{"line": e.line, "message": e.message} for e in report.skipped],
    )


@router.post("/prices/ticks", status_code=status.HTTP_201_CREATED, response_model=price_board.PriceRow)
def post_tick(body: TickIn, session: SessionDep, _admin: AdminOnly):
    """One price row from a feed integration (rupees per quintal); it is on every open dashboard at once."""
    try:
        record = prices.parse_row(
            {
                **body.model_dump(exclude={"arrival_date", "min_price", "max_price", "modal_price"}),
                "arrival_date": (body.arrival_date or date.today()).isoformat(),
                "min_price": str(body.min_price),
                "max_price": str(body.max_price),
                "modal_price": str(body.modal_price),
            }
        )
    except ValueError as err:
        raise ValidationFailed("price_row", field="modal_price", reason=str(err)) from None
    price_board.record_tick(session, record, source="api")
    # Answer with the row as written (the board may hide it: an old date, or a newer day already stored).
    previous = prices.previous_modal_paise(
        session, record.market, record.commodity, record.variety, before=record.arrival_date
    )
    change = None if previous is None else record.modal_price_paise - previous
    return price_board.PriceRow(
        commodity=record.commodity,
        variety=record.variety,
        market=record.market,
        district=record.district,
        state=record.state,
        arrival_date=record.arrival_date,
        min_price_paise=record.min_price_paise,
        max_price_paise=record.max_price_paise,
        modal_price_paise=record.modal_price_paise,
        change_paise=change,
        direction=prices.direction(change),
    )


@router.post(
    "/weather/alerts",
    status_code=status.HTTP_201_CREATED,
    response_model=AlertOut,
    dependencies=[role_required(Role.ADMIN, Role.ORG_ADMIN)],
)
def issue_alert(body: AlertIn, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal):
    alert = weather.issue_alert(session, actor, meta, **body.model_dump())
    return AlertOut.model_validate(alert, from_attributes=True)


@router.get(
    "/weather/alerts/reach",
    response_model=weather.WarningReach,
    dependencies=[role_required(Role.ADMIN, Role.ORG_ADMIN)],
)
def warning_reach(
    session: SessionDep,
    actor: CurrentPrincipal,
    district: str = Query(min_length=1, max_length=80),
    severity: Literal["green", "yellow", "orange", "red"] = "yellow",
):
    """Who a warning would reach (farmers per channel and language), and "did you mean" for a typo district."""
    return weather.warning_reach(session, actor, district, severity)


@router.get("/weather/alerts", response_model=list[AlertOut])
def active_alerts(session: SessionDep, _reader: CurrentPrincipal, district: str):
    return [AlertOut.model_validate(a, from_attributes=True) for a in weather.active_alerts(session, district)]


@router.delete(
    "/weather/alerts/{alert_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[role_required(Role.ADMIN, Role.ORG_ADMIN)],
)
def cancel_alert(alert_id: RowId, session: SessionDep, meta: MetaDep, actor: CurrentPrincipal) -> Response:
    """Withdraw a warning (an FPO admin: only their FPO's); farmers' dashboards drop it at once."""
    weather.cancel_alert(session, actor, meta, alert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
