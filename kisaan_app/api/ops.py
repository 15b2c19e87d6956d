"""POST /api/ops/alerts: Alertmanager's webhook receiver. Alerts reach the admins through notify().

Machine-to-machine: only `Authorization: Bearer <KISAAN_ALERT_WEBHOOK_TOKEN>` is accepted (Alertmanager's
`http_config: {authorization: {credentials: ...}}`); without that setting the route answers 404. The body is
Alertmanager's webhook format (version 4); unknown fields are ignored, oversized ones refused.
"""

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kisaan_app.api.deps import SessionDep, bearer_matches
from kisaan_app.services.ops_alerts import MAX_ALERTS, Alert, tell_admins
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/ops", tags=["operations"], include_in_schema=False)


class AlertIn(BaseModel):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict, max_length=40)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=20)
    startsAt: str = Field("", max_length=40)  # noqa: N815 - Alertmanager's field name
    fingerprint: str = Field("", max_length=64)


class AlertGroupIn(BaseModel):
    version: str = Field("4", max_length=4)
    alerts: list[AlertIn] = Field(max_length=MAX_ALERTS)


def _alert(a: AlertIn) -> Alert:
    return Alert(
        status=a.status,
        name=a.labels.get("alertname", "unnamed")[:80],
        severity=a.labels.get("severity", "warning")[:20],
        summary=(a.annotations.get("summary") or a.annotations.get("description") or "")[:300],
        fingerprint=a.fingerprint or repr(sorted(a.labels.items())),
        starts_at=a.startsAt,
    )


def alertmanager_only(request: Request) -> None:
    """Runs before the body is validated: a caller without the token learns nothing, not even the body's shape."""
    if not bearer_matches(request, get_settings().alert_webhook_token):
        raise HTTPException(status_code=404)


@router.post("/alerts", dependencies=[Depends(alertmanager_only)])
def receive_alerts(group: AlertGroupIn, session: SessionDep) -> JSONResponse:
    written = tell_admins(session, [_alert(a) for a in group.alerts])
    return JSONResponse({"received": len(group.alerts), "messages": written})
