"""/api/crop-health: farmers report problems and register field sensors; sensors post readings."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, status
from pydantic import BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep
from kisaan_app.api.idempotent import IdempotencyKey, run_once
from kisaan_app.services import crop_health, sensors

router = APIRouter(prefix="/api/crop-health", tags=["crop health"])


class ReportIn(BaseModel):
    crop: str = Field(min_length=1, max_length=60)
    issue_type: Literal["pest", "disease", "water_stress", "nutrient", "other"]
    severity: Literal["yellow", "orange", "red"] = "yellow"
    note: str = Field("", max_length=1000)


class ReportOut(BaseModel):
    id: int
    crop: str
    issue_type: str
    severity: str
    source: str
    note: str | None
    status: str = "open"
    advice: str | None = None


class DeviceIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    crop: str | None = Field(None, max_length=60)


class DeviceOut(BaseModel):
    id: int
    name: str
    api_key: str = Field(description="shown once: store it on the device")


class ReadingIn(BaseModel):
    metric: str = Field(description=", ".join(sorted(sensors.METRICS)))
    value: float
    crop: str | None = Field(None, max_length=60)


class ReadingOut(BaseModel):
    alert: ReportOut | None


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=ReportOut)
def report(body: ReportIn, session: SessionDep, meta: MetaDep, farmer: CurrentPrincipal, key: IdempotencyKey = None):
    def write():
        row = crop_health.report_issue(session, farmer, meta, **body.model_dump())
        return ReportOut.model_validate(row, from_attributes=True)

    return run_once(session, farmer, key, "crop_health.report", body, status.HTTP_201_CREATED, write)


@router.post("/devices", status_code=status.HTTP_201_CREATED, response_model=DeviceOut)
def register_device(body: DeviceIn, session: SessionDep, farmer: CurrentPrincipal):
    device, api_key = sensors.register_device(session, farmer, body.name, body.crop)
    return DeviceOut(id=device.id, name=device.name, api_key=api_key)


@router.post("/readings", response_model=ReadingOut)
def reading(body: ReadingIn, session: SessionDep, x_device_key: Annotated[str | None, Header()] = None):
    """A sensor's reading (header `X-Device-Key`); one over a threshold raises an alert at once."""
    row = sensors.record_reading(session, x_device_key, body.metric, body.value, body.crop)
    return ReadingOut(alert=ReportOut.model_validate(row, from_attributes=True) if row else None)
