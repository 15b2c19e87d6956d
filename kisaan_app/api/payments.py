"""Payments API: create and verify checkouts, links, UPI QR, refunds, history and Razorpay's webhook.

Every route but the two provider callbacks and the webhook needs a signed-in user, and shows or changes only
that user's payments (an org admin: their organisation's; an admin: all). The callbacks and the webhook
carry no session: their signatures are the proof.
"""

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kisaan_app.api.deps import CurrentPrincipal, MetaDep, SessionDep, role_required
from kisaan_app.api.ids import MAX_OFFSET, MAX_PAISE, RowId
from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.services.errors import DomainError, ValidationFailed
from kisaan_app.services.payments import checkout, history, links, refunds, webhooks
from kisaan_app.services.payments.gateway import credentials
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api", tags=["payments"])
ID = Annotated[str, Field(min_length=6, max_length=40, pattern=r"^[A-Za-z0-9_]+$")]


class CreateIn(BaseModel):
    purpose: Literal["market_order", "subscription"]
    market_order_id: RowId | None = None
    plan: Literal["monthly", "yearly"] | None = None


class VerifyIn(BaseModel):
    razorpay_order_id: ID
    razorpay_payment_id: ID
    razorpay_signature: str = Field(min_length=10, max_length=128)


class RefundIn(BaseModel):
    receipt: ID
    amount_paise: int = Field(gt=0)
    reason: str = Field(min_length=3, max_length=300)


class RefundOut(BaseModel):
    razorpay_refund_id: str | None
    amount_paise: int
    status: str
    reason: str
    idempotency_key: str
    created_at: datetime


class PaymentOut(BaseModel):
    receipt: str
    created_at: datetime
    payer: str
    organization: str | None
    purpose: str
    description: str
    amount_paise: int
    refunded_paise: int
    status: str
    method: str | None
    razorpay_order_id: str | None
    razorpay_payment_id: str | None
    can_refund: bool = False  # may the caller refund it now (the pages' Refund button follows the same rule)
    refunds: list[RefundOut] = []


class PageOut(BaseModel):
    items: list[PaymentOut]
    total: int


class LinkOut(BaseModel):
    receipt: str
    payment_link_id: str
    short_url: str


class QROut(BaseModel):
    qr_id: str
    amount_paise: int
    upi_payload: str
    image_url: str
    status: str
    close_by: datetime | None


def _payment_out(row: history.PaymentRow, refund_rows=()) -> PaymentOut:
    return PaymentOut(**row.__dict__, refunds=[RefundOut.model_validate(r, from_attributes=True) for r in refund_rows])


def _view_url(request: Request, receipt: str | None, **extra: str) -> str:
    query = urlencode({"receipt": receipt or "", **extra})
    return f"/payments/view?{query}"


@router.post("/payments/create", response_model=checkout.CheckoutStart, status_code=201)
def create_payment(body: CreateIn, session: SessionDep, meta: MetaDep, principal: CurrentPrincipal):
    """Start paying a marketplace order (buyers) or an advisory plan (farmers): a Razorpay order + our row."""
    if body.purpose == "market_order":
        if body.market_order_id is None:
            raise ValidationFailed("market_order_required", field="market_order_id")
        payment = checkout.start_order_payment(session, principal, meta, body.market_order_id)
    else:
        if body.plan is None:
            raise ValidationFailed("plan_unknown", field="plan")
        payment = checkout.start_plan_payment(session, principal, meta, body.plan)
    return checkout.checkout_for(payment)


@router.post("/payments/plans/cancel")
def cancel_pending_plan(session: SessionDep, meta: MetaDep, principal: CurrentPrincipal):
    """Abandon an unpaid plan (to choose another); money that still arrives for it is refunded."""
    plan = checkout.cancel_pending_plan(session, principal, meta)
    return {"plan": plan.plan, "status": plan.status}


@router.post("/payments/verify", response_model=PaymentOut)
def verify_payment(body: VerifyIn, meta: MetaDep, principal: CurrentPrincipal):
    """Checkout's handler result: 400 (and nothing changes) unless the signature matches our stored order."""
    with session_scope() as session:  # committed even when the signature fails: the audit entry must land
        result = checkout.verify(
            session, principal, meta, body.razorpay_order_id, body.razorpay_payment_id, body.razorpay_signature
        )
    if not result.ok:
        raise ValidationFailed("payment_signature_invalid", field="razorpay_signature")
    with session_scope() as session:
        return _payment_out(*history.one(session, principal, result.receipt))


@router.post("/payments/callback", include_in_schema=False)
async def checkout_callback(request: Request, meta: MetaDep):
    """Checkout in redirect mode POSTs its result here; the payer lands on the payment's page either way."""
    form = await request.form(max_files=0, max_fields=100)  # a signed form post: no files, few fields
    fields = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_settle_callback, request, meta, fields)


def _settle_callback(request: Request, meta, fields: dict[str, str]) -> RedirectResponse:
    if "razorpay_signature" in fields:
        try:
            with session_scope() as session:
                result = checkout.verify(
                    session,
                    None,
                    meta,
                    fields.get("razorpay_order_id", ""),
                    fields.get("razorpay_payment_id", ""),
                    fields["razorpay_signature"],
                )
        except DomainError as err:
            return RedirectResponse(_view_url(request, None, result="error", code=err.code), status_code=303)
        outcome = "paid" if result.ok else "signature_invalid"
        return RedirectResponse(_view_url(request, result.receipt, result=outcome), status_code=303)
    order_id = _failed_order_id(fields)
    with session_scope() as session:
        receipt = checkout.note_failed_attempt(session, order_id) if order_id else None
    reason = fields.get("error[description]", "")[:120]
    return RedirectResponse(_view_url(request, receipt, result="failed", reason=reason), status_code=303)


def _failed_order_id(fields: dict[str, str]) -> str | None:
    import json

    try:
        return json.loads(fields.get("error[metadata]", "{}")).get("order_id")
    except (ValueError, AttributeError):
        return None


@router.post(
    "/payments/refund",
    response_model=RefundOut,
    status_code=201,
    dependencies=[role_required(Role.ADMIN, Role.ORG_ADMIN)],
)
def refund_payment(
    body: RefundIn,
    session: SessionDep,
    meta: MetaDep,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str, Header(alias="X-Refund-Idempotency")],
):
    """Full or partial refund up to what is left; repeating the same X-Refund-Idempotency key is safe."""
    row = refunds.refund(session, principal, meta, body.receipt, body.amount_paise, body.reason, idempotency_key)
    return RefundOut.model_validate(row, from_attributes=True)


def payment_filter(
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    organization_id: RowId | None = None,
    min_amount_paise: Annotated[int | None, Query(ge=0, le=MAX_PAISE)] = None,
    max_amount_paise: Annotated[int | None, Query(ge=0, le=MAX_PAISE)] = None,
) -> history.PaymentFilter:
    """The filters the history and the CSV export share (dates are IST days, inclusive)."""
    return history.PaymentFilter(
        status, date_from, date_to, organization_id, min_amount_paise, max_amount_paise
    ).check()


FilterDep = Annotated[history.PaymentFilter, Depends(payment_filter)]


@router.get("/payments/history", response_model=PageOut)
def payment_history(
    session: SessionDep,
    principal: CurrentPrincipal,
    f: FilterDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
):
    rows, total = history.page(session, principal, f, limit, offset)
    return PageOut(items=[_payment_out(r) for r in rows], total=total)


@router.get("/payments/export.csv", dependencies=[role_required(Role.ADMIN, Role.ORG_ADMIN)])
def export_payments(principal: CurrentPrincipal, f: FilterDep):
    def stream():
        with session_scope() as session:
            yield from history.export_csv(session, principal, f)

    headers = {"Content-Disposition": 'attachment; filename="kisaansay-payments.csv"'}
    return StreamingResponse(stream(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/payment/status/{order_id}", response_model=PaymentOut)
def payment_status(order_id: str, session: SessionDep, principal: CurrentPrincipal):
    """A payment by its Razorpay order id, with its refunds (404 unless it is yours to see)."""
    return _payment_out(*history.by_order_id(session, principal, order_id))


@router.post("/payment/link/{order_id}", response_model=LinkOut, status_code=201)
def create_payment_link(order_id: str, session: SessionDep, meta: MetaDep, principal: CurrentPrincipal):
    payment = links.create_link(session, principal, meta, order_id)
    return LinkOut(receipt=payment.receipt, payment_link_id=payment.payment_link_id, short_url=payment.payment_link_url)


@router.get("/payment/callback", include_in_schema=False)
def payment_link_callback(request: Request):
    """Where Razorpay sends a payer after a payment link; a bad signature changes nothing."""
    params = dict(request.query_params)
    try:
        with session_scope() as session:
            payment = links.link_callback(session, params)
            receipt, result = payment.receipt, "paid" if checkout.is_paid(payment) else "pending"
    except DomainError as err:
        return RedirectResponse(_view_url(request, None, result="error", code=err.code), status_code=303)
    return RedirectResponse(_view_url(request, receipt, result=result), status_code=303)


@router.post("/payment/qr/{order_id}", response_model=QROut, status_code=201)
def create_upi_qr(order_id: str, session: SessionDep, meta: MetaDep, principal: CurrentPrincipal):
    qr = links.create_qr(session, principal, meta, order_id)
    return QROut(
        qr_id=qr.razorpay_qr_id,
        amount_paise=qr.amount_paise,
        upi_payload=qr.upi_payload or "",
        image_url=f"/api/payment/qr/{qr.razorpay_qr_id}.png",
        status=qr.status,
        close_by=qr.close_by,
    )


@router.get("/payment/qr/{qr_id}.png", include_in_schema=False)
def upi_qr_image(qr_id: str, session: SessionDep, principal: CurrentPrincipal):
    qr = links.qr_for_viewer(session, principal, qr_id)
    headers = {"Cache-Control": "private, max-age=300"}
    return Response(links.qr_png(qr.upi_payload or ""), media_type="image/png", headers=headers)


@router.post("/payments/webhook", include_in_schema=False)
async def razorpay_webhook(request: Request):
    """Signature over the raw bytes; 400 when it fails (nothing stored), 200 for everything else, fast.
    A body over the limit is refused with 413 as soon as it is known to be too large (never read whole)."""
    raw = await _read_capped(request, get_settings().webhook_max_bytes)
    outcome = await run_in_threadpool(
        _handle_webhook, raw, request.headers.get("x-razorpay-signature"), request.headers.get("x-razorpay-event-id")
    )
    return {"status": "duplicate" if outcome.duplicate else "ok", "event": outcome.event, "note": outcome.note}


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise webhooks.WebhookTooLarge(limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise webhooks.WebhookTooLarge(limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _handle_webhook(raw: bytes, signature: str | None, event_id: str | None) -> webhooks.WebhookOutcome:
    with session_scope() as session:
        return webhooks.handle(session, raw, signature, event_id)


@router.get("/payments/config")
def payments_config(_principal: CurrentPrincipal):
    """The public key id and whether payments run in the local test sandbox (pages say so plainly)."""
    creds = credentials()
    return {"key_id": creds.key_id, "sandbox": creds.sandbox}
