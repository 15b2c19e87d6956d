"""Notifications API: push devices, SMS and email sends, bulk campaigns, templates, preferences, history, stats,
and Twilio's status callback (no session: its X-Twilio-Signature is the proof).

Admins and org admins send (org admins only to their organisation); everyone manages their own preferences
and devices. Routes are thin: every rule lives in kisaan_app/services/notifications.
"""

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep, role_required
from kisaan_app.api.ids import MAX_OFFSET, RowId
from kisaan_app.models.accounts import User
from kisaan_app.models.enums import Role
from kisaan_app.services.accounts.validation import normalize_phone
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import NotFound, ValidationFailed
from kisaan_app.services.notifications import (
    Audience,
    callbacks,
    caller_keys,
    campaigns,
    history,
    preferences,
    subscriptions,
    templates,
)
from kisaan_app.services.notifications.audience import count_by_channel
from kisaan_app.services.notifications.channels import vapid
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/notifications", tags=["notifications"])
SENDERS = role_required(Role.ADMIN, Role.ORG_ADMIN)
Category = Literal["weather", "prices", "market", "payments", "system"]
Channel = Literal["in_app", "push", "sms", "email"]


class KeysIn(BaseModel):
    p256dh: str = Field(min_length=20, max_length=200)
    auth: str = Field(min_length=8, max_length=100)


class SubscribeIn(BaseModel):
    endpoint: str = Field(min_length=10, max_length=1000)
    keys: KeysIn


class UnsubscribeIn(BaseModel):
    endpoint: str = Field(min_length=10, max_length=1000)


class AudienceIn(BaseModel):
    organization_id: RowId | None = None
    district: str | None = Field(None, max_length=80)
    crop: str | None = Field(None, max_length=60)
    language: str | None = Field(None, max_length=8)

    def audience(self) -> Audience:
        return Audience(**self.model_dump(include=set(AudienceIn.model_fields)))


class SendIn(BaseModel):
    """One message to named people (by account id, or by their Indian mobile number)."""

    user_ids: list[RowId] = Field(default_factory=list, max_length=100)
    phones: list[str] = Field(default_factory=list, max_length=100)
    category: Category = "system"
    subject: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=1600)
    template_key: str | None = Field(None, max_length=80)
    data: dict = Field(default_factory=dict)
    critical: bool = False
    url: str = Field("/", max_length=300, pattern=r"^/")
    idempotency_key: str | None = Field(None, min_length=1, max_length=64)


class BulkIn(AudienceIn):
    category: Category = "system"
    title: str | None = Field(None, max_length=200)
    subject: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=1600)
    template_key: str | None = Field(None, max_length=80)
    data: dict = Field(default_factory=dict)
    critical: bool = False


class CampaignIn(BulkIn):
    channels: list[Channel] = Field(min_length=1)


class CountIn(AudienceIn):
    channels: list[Channel] = Field(min_length=1)
    category: Category = "system"


class TemplateIn(BaseModel):
    key: str = Field(min_length=3, max_length=80)
    channel: Channel
    language: str = Field("en", min_length=2, max_length=8)
    category: Category = "system"
    subject: str | None = Field(None, max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    html_body: str | None = Field(None, max_length=20000)


class EmailTemplateIn(SendIn):
    template_key: str = Field(min_length=3, max_length=80)


class PreviewIn(BaseModel):
    template_id: RowId | None = None
    body: str | None = Field(None, max_length=5000)
    subject: str | None = Field(None, max_length=200)
    data: dict = Field(default_factory=dict)


class PreferencesIn(BaseModel):
    channels: dict[str, list[str]] = Field(default_factory=dict)
    quiet_start: str | None = None
    quiet_end: str | None = None


# --- push devices ------------------------------------------------------------------------------------------------


@router.get("/push/vapid-key")
def vapid_key(session: SessionDep) -> dict:
    """The applicationServerKey a browser subscribes with (public by design)."""
    return {"public_key": vapid.public_key(session)}


@router.post("/push/subscribe", status_code=201)
def push_subscribe(body: SubscribeIn, request: Request, session: SessionDep, principal: CurrentPrincipal) -> dict:
    row = subscriptions.subscribe(
        session,
        principal,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        user_agent=request.headers.get("user-agent"),
    )
    return {"id": row.id, "endpoint": row.endpoint}


@router.post("/push/unsubscribe")
def push_unsubscribe(body: UnsubscribeIn, session: SessionDep, principal: CurrentPrincipal) -> dict:
    return {"removed": subscriptions.unsubscribe(session, principal, body.endpoint)}


# --- sending -----------------------------------------------------------------------------------------------------


def _recipients(session: Session, body: SendIn) -> tuple[int, ...]:
    ids = set(body.user_ids)
    phones = [normalize_phone(p, field="phones") for p in body.phones]
    if phones:
        found = session.exec(select(User.id, User.phone).where(col(User.phone).in_(phones))).all()
        if len(found) < len(set(phones)):
            raise NotFound("recipient_unknown", field="phones")
        ids.update(uid for uid, _phone in found)
    if not ids:
        raise ValidationFailed("recipients_required", field="user_ids")
    return tuple(sorted(ids))


def _send(session: Session, principal: Principal, body: SendIn, channels: list[str]) -> dict:
    result = caller_keys.notify_for_caller(
        session,
        principal,
        Audience(user_ids=_recipients(session, body), role=""),
        body.category,
        template_key=body.template_key,
        subject=body.subject,
        text=body.text,
        data=body.data,
        channels=channels,
        critical=body.critical,
        idempotency_key=body.idempotency_key,
        url=body.url,
    )
    return asdict(result)


def _bulk(session: Session, principal: Principal, meta: RequestMeta, body: BulkIn, channels: list[str]) -> dict:
    view = campaigns.start_campaign(
        session,
        principal,
        meta,
        audience=body.audience(),
        channels=channels,
        category=body.category,
        template_key=body.template_key,
        subject=body.subject,
        text=body.text,
        critical=body.critical,
        title=body.title,
        data=body.data,
    )
    return asdict(view)


def _channel_routes(channel: str) -> None:
    """POST /{channel}/send (named people, at once) and /{channel}/bulk (a campaign, in the background)."""

    def send(body: SendIn, session: SessionDep, principal: Principal = SENDERS) -> dict:
        return _send(session, principal, body, [channel])

    def bulk(body: BulkIn, session: SessionDep, meta: MetaDep, principal: Principal = SENDERS) -> dict:
        return _bulk(session, principal, meta, body, [channel])

    router.post(f"/{channel}/send", status_code=201, name=f"{channel}_send")(send)
    router.post(f"/{channel}/bulk", status_code=202, name=f"{channel}_bulk")(bulk)


for _channel in ("sms", "email"):
    _channel_routes(_channel)


@router.post("/email/template", status_code=201)
def email_template(body: EmailTemplateIn, session: SessionDep, principal: Principal = SENDERS) -> dict:
    """An email from a stored template (the template_key is required here)."""
    return _send(session, principal, body, ["email"])


@router.post("/campaigns", status_code=202)
def campaign_start(body: CampaignIn, session: SessionDep, meta: MetaDep, principal: Principal = SENDERS) -> dict:
    return _bulk(session, principal, meta, body, list(body.channels))


@router.get("/campaigns")
def campaign_list(session: SessionDep, principal: Principal = SENDERS) -> list[dict]:
    return [asdict(v) for v in campaigns.list_campaigns(session, principal)]


@router.get("/campaigns/{campaign_id}")
def campaign_progress(campaign_id: RowId, session: SessionDep, principal: Principal = SENDERS) -> dict:
    return asdict(campaigns.progress(session, principal, campaign_id))


@router.post("/audience/count")
def audience_count(body: CountIn, session: SessionDep, principal: Principal = SENDERS) -> dict:
    return count_by_channel(session, principal, body.audience(), list(body.channels), body.category)


# --- Twilio's status callback ------------------------------------------------------------------------------------


@router.post("/sms/status", status_code=204)
async def sms_status(request: Request, session: SessionDep, x_twilio_signature: str | None = Header(None)) -> Response:
    params = {k: str(v) for k, v in (await request.form(max_files=0, max_fields=100)).items()}
    # Twilio signs the URL it called: our public address, not the one a proxy forwarded to us.
    url = get_settings().public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    await run_in_threadpool(callbacks.twilio_status, session, url, params, x_twilio_signature)
    return Response(status_code=204)


# --- history and stats -------------------------------------------------------------------------------------------


def _history(session: Session, principal: Principal, flt: history.HistoryFilter, limit: int, offset: int) -> dict:
    items, total = history.list_history(session, principal, flt, limit, offset)
    return {"items": [asdict(i) for i in items], "total": total}


HistoryQuery = dict(
    status=Query(None, max_length=12),
    batch_id=Query(None, max_length=40),
    search=Query(None, max_length=100),
    date_from=Query(None),
    date_to=Query(None),
    limit=Query(50, ge=1, le=200),
    offset=Query(0, ge=0, le=MAX_OFFSET),
)


@router.get("/history")
def history_all(
    session: SessionDep,
    principal: Principal = SENDERS,
    channel: Channel | None = None,
    status: str | None = HistoryQuery["status"],
    batch_id: str | None = HistoryQuery["batch_id"],
    search: str | None = HistoryQuery["search"],
    date_from: date | None = HistoryQuery["date_from"],
    date_to: date | None = HistoryQuery["date_to"],
    limit: int = HistoryQuery["limit"],
    offset: int = HistoryQuery["offset"],
) -> dict:
    flt = history.HistoryFilter(channel, status, batch_id, search, date_from, date_to)
    return _history(session, principal, flt, limit, offset)


def _channel_history(channel: str) -> Callable[..., dict]:
    def route(
        session: SessionDep,
        principal: Principal = SENDERS,
        status: str | None = HistoryQuery["status"],
        search: str | None = HistoryQuery["search"],
        limit: int = HistoryQuery["limit"],
        offset: int = HistoryQuery["offset"],
    ) -> dict:
        return _history(session, principal, history.HistoryFilter(channel, status, search=search), limit, offset)

    route.__name__ = f"{channel}_history"
    return route


for _channel in ("sms", "email"):  # the per-channel history routes: the same query, one channel
    router.get(f"/{_channel}/history", name=f"{_channel}_history")(_channel_history(_channel))


@router.get("/history/{delivery_id}")
def history_detail(delivery_id: RowId, session: SessionDep, principal: Principal = SENDERS) -> dict:
    return asdict(history.delivery_detail(session, principal, delivery_id))


@router.get("/stats")
def all_stats(session: SessionDep, principal: Principal = SENDERS, days: int = Query(14, ge=1, le=90)) -> dict:
    return asdict(history.stats(session, principal, days))


@router.get("/sms/stats")
def sms_stats(session: SessionDep, principal: Principal = SENDERS, days: int = Query(14, ge=1, le=90)) -> dict:
    view = history.stats(session, principal, days)
    return {"sms": asdict(view.channels["sms"]), "by_day": view.by_day, "balance": view.sms_balance}


# --- templates and preferences -----------------------------------------------------------------------------------


@router.get("/templates")
def template_list(session: SessionDep, principal: Principal = SENDERS) -> list[dict]:
    return [asdict(t) for t in templates.list_templates(session, principal)]


def _save_template(
    session: Session, principal: Principal, meta: RequestMeta, body: TemplateIn, template_id: int | None
) -> dict:
    row = templates.save_template(session, principal, meta, **body.model_dump(), template_id=template_id)
    return asdict(templates.TemplateView(**{f: getattr(row, f) for f in templates.TemplateView.__dataclass_fields__}))


@router.post("/templates", status_code=201)
def template_create(body: TemplateIn, session: SessionDep, meta: MetaDep, principal: CurrentPrincipal) -> dict:
    return _save_template(session, principal, meta, body, None)


@router.put("/templates/{template_id}")
def template_update(
    template_id: RowId, body: TemplateIn, session: SessionDep, meta: MetaDep, principal: CurrentPrincipal
) -> dict:
    return _save_template(session, principal, meta, body, template_id)


@router.post("/templates/preview")
def template_preview(body: PreviewIn, session: SessionDep, principal: Principal = SENDERS) -> dict:
    return asdict(templates.preview(session, principal, **body.model_dump()))


@router.get("/preferences")
def preferences_get(session: SessionDep, principal: CurrentPrincipal) -> dict:
    return asdict(preferences.get_preferences(session, principal.id))


@router.put("/preferences")
def preferences_put(body: PreferencesIn, session: SessionDep, principal: CurrentPrincipal) -> dict:
    return asdict(preferences.save_preferences(session, principal, **body.model_dump()))
