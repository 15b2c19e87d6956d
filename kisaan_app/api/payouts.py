"""Money to farmers under /api/payouts: the seller's linked account (set up once, checked like the form), their
payouts, the platform fee for an amount (shown before anyone agrees), and reconciliation for admins."""

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.db import session_scope
from kisaan_app.models.enums import Role
from kisaan_app.services.authz import require_role
from kisaan_app.services.payouts import accounts, fees, ledger, reconcile
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/payouts", tags=["payouts"])


class AccountIn(BaseModel):
    kind: Literal["bank", "upi"]
    legal_name: str = Field(max_length=200)
    beneficiary_name: str = Field(max_length=200)
    pan: str = Field(max_length=20)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=20)
    street: str = Field(max_length=200)
    city: str = Field(max_length=200)
    state: str = Field(max_length=200)
    pincode: str = Field(max_length=10)
    account_number: str = Field("", max_length=30)
    ifsc: str = Field("", max_length=20)
    upi_vpa: str = Field("", max_length=300)


class AccountOut(BaseModel):
    status: str
    kind: str
    beneficiary_name: str
    account_last4: str | None
    ifsc: str | None
    upi_vpa: str | None
    last_error: str | None = None


class PayoutOut(BaseModel):
    order_number: str
    status: str
    gross_paise: int
    fee_paise: int
    fee_bps: int
    seller_paise: int
    refunded_paise: int
    release_due_at: datetime
    released_at: datetime | None
    settled_at: datetime | None
    mismatch: str | None


class FeeOut(BaseModel):
    amount_paise: int
    fee_bps: int
    fee_paise: int
    seller_paise: int


class ReconcileOut(BaseModel):
    checked: int
    flagged: list[str]
    errors: int


def _account_out(row) -> AccountOut:
    return AccountOut(
        status=row.status,
        kind=row.settlement_kind,
        beneficiary_name=row.beneficiary_name,
        account_last4=row.account_last4,
        ifsc=row.ifsc,
        upi_vpa=row.upi_vpa,
        last_error=row.last_error,
    )


@router.get("/account", response_model=AccountOut | None)
def my_account(principal: CurrentPrincipal, session: SessionDep):
    row = accounts.account_of(session, principal)
    return _account_out(row) if row else None


@router.post("/account", response_model=AccountOut, status_code=201)
def set_up_account(body: AccountIn, principal: CurrentPrincipal):
    """Create the seller's Razorpay Route linked account (a farmer's own; an FPO admin's for the FPO)."""
    row = accounts.set_up(session_scope, principal, accounts.AccountForm(**body.model_dump()))
    return _account_out(row)


@router.get("", response_model=list[PayoutOut])
def my_payouts(principal: CurrentPrincipal, session: SessionDep):
    return [PayoutOut(**view.__dict__) for view in ledger.payouts_for(session, principal)]


@router.get("/fee", response_model=FeeOut)
def fee(amount_paise: int = Query(gt=0, le=10**12)):
    """What the platform keeps from a sale of this amount, and what reaches the farmer."""
    share = fees.split(amount_paise, 0, get_settings().platform_fee_bps)
    return FeeOut(
        amount_paise=amount_paise, fee_bps=share.fee_bps, fee_paise=share.fee_paise, seller_paise=share.seller_paise
    )


@router.post("/reconcile", response_model=ReconcileOut)
def run_reconciliation(principal: CurrentPrincipal):
    require_role(principal, Role.ADMIN)
    report = reconcile.reconcile(session_scope)
    return ReconcileOut(checked=report.checked, flagged=report.flagged, errors=report.errors)
