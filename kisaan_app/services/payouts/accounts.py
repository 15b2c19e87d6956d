"""A seller's linked account on Razorpay Route: where their share of each sale is paid.

A farmer sets up their own; an FPO admin sets up the FPO's (used for members who have none of their own).
The form is checked here (KYC fields: PAN, address, bank account + IFSC or a UPI id) in the reader's language;
then our row is reserved in one short transaction, Razorpay is called with no transaction open (create the
account, request the Route product, give it the settlement details), and the result is written in another.
A second submit while the first is under way is refused; a failed one can be tried again.
"""

import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import LinkedAccountStatus, PayoutStatus, Role
from kisaan_app.models.payouts import LinkedAccount, Payout
from kisaan_app.services import audit, ratelimit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import Conflict, ErrorCode, ValidationFailed
from kisaan_app.services.payments import gateway
from kisaan_app.settings import get_settings

SessionFactory = Callable[[], AbstractContextManager[Session]]
IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
BANK_ACCOUNT = re.compile(r"^\d{9,18}$")
VPA = re.compile(r"^[a-zA-Z0-9.\-_]{2,256}@[a-zA-Z]{2,64}$")
PAN = re.compile(r"^[A-Z]{5}\d{4}[A-Z]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PINCODE = re.compile(r"^[1-9]\d{5}$")
INDIAN_MOBILE = re.compile(r"^(?:\+91)?([6-9]\d{9})$")
STALE_PENDING = timedelta(minutes=2)  # a set-up cut off (crash, timeout) may be tried again after this


@dataclass(frozen=True)
class AccountForm:
    """What the seller types. Blank optional fields are empty strings."""

    kind: str  # bank | upi
    legal_name: str
    beneficiary_name: str
    pan: str
    email: str
    phone: str
    street: str
    city: str
    state: str
    pincode: str
    account_number: str = ""
    ifsc: str = ""
    upi_vpa: str = ""


def _name(value: str, field: str) -> str:
    value = " ".join(value.split())
    if not 4 <= len(value) <= 120:
        raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_NAME, field=field)
    return value


def check_form(form: AccountForm) -> AccountForm:
    """The cleaned form, or the first problem as a translated error naming its field."""
    kind = form.kind.strip().lower()
    if kind not in ("bank", "upi"):
        raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_KIND, field="kind")
    pan = form.pan.strip().upper()
    if not PAN.match(pan):
        raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_PAN, field="pan")
    email = form.email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_EMAIL, field="email")
    phone = INDIAN_MOBILE.match(form.phone.strip().replace(" ", ""))
    if phone is None:
        raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_PHONE, field="phone")
    for field in ("street", "city", "state"):
        value = " ".join(getattr(form, field).split())
        if not 2 <= len(value) <= 100:
            raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_ADDRESS, field=field)
    if not PINCODE.match(form.pincode.strip()):
        raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_PINCODE, field="pincode")
    number = form.account_number.strip().replace(" ", "")
    ifsc = form.ifsc.strip().upper()
    vpa = form.upi_vpa.strip()
    if kind == "bank":
        if not BANK_ACCOUNT.match(number):
            raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_NUMBER, field="account_number")
        if not IFSC.match(ifsc):
            raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_IFSC, field="ifsc")
        vpa = ""
    else:
        if not VPA.match(vpa):
            raise ValidationFailed(ErrorCode.LINKED_ACCOUNT_VPA, field="upi_vpa")
        number = ifsc = ""
    return AccountForm(
        kind=kind,
        legal_name=_name(form.legal_name, "legal_name"),
        beneficiary_name=_name(form.beneficiary_name, "beneficiary_name"),
        pan=pan,
        email=email,
        phone=phone.group(1),
        street=" ".join(form.street.split()),
        city=" ".join(form.city.split()),
        state=" ".join(form.state.split()),
        pincode=form.pincode.strip(),
        account_number=number,
        ifsc=ifsc,
        upi_vpa=vpa,
    )


def _owner(actor: Principal) -> dict:
    """Whose account this actor manages: a farmer their own, an FPO admin their FPO's."""
    require_role(actor, Role.FARMER, Role.ORG_ADMIN)
    if actor.role == Role.ORG_ADMIN:
        if actor.organization_id is None:
            raise Conflict(ErrorCode.UNKNOWN_ORGANIZATION)
        return {"organization_id": actor.organization_id}
    return {"user_id": actor.id}


def account_of(session: Session, actor: Principal) -> LinkedAccount | None:
    return session.exec(select(LinkedAccount).filter_by(**_owner(actor))).first()


def active_account_for(session: Session, seller_id: int, organization_id: int | None) -> LinkedAccount | None:
    """Where a sale by `seller_id` is paid: their own active account, else their FPO's."""
    for where in ({"user_id": seller_id}, {"organization_id": organization_id} if organization_id else None):
        if where is None:
            continue
        found = session.exec(
            select(LinkedAccount).filter_by(**where).where(LinkedAccount.status == LinkedAccountStatus.ACTIVE)
        ).first()
        if found:
            return found
    return None


def _reserve(session: Session, actor: Principal, form: AccountForm) -> int:
    owner = _owner(actor)
    row = session.exec(select(LinkedAccount).filter_by(**owner).with_for_update()).first()
    if row is not None:
        if row.status == LinkedAccountStatus.ACTIVE:
            raise Conflict(ErrorCode.LINKED_ACCOUNT_ACTIVE)
        if row.status == LinkedAccountStatus.PENDING and utcnow() - row.updated_at < STALE_PENDING:
            raise Conflict(ErrorCode.LINKED_ACCOUNT_BUSY)
    else:
        row = LinkedAccount(
            **owner, legal_name="", contact_name="", email="", phone="", settlement_kind="bank", beneficiary_name=""
        )
    row.status, row.last_error, row.updated_at = LinkedAccountStatus.PENDING, None, utcnow()
    row.legal_name, row.contact_name = form.legal_name, actor.full_name[:120] or form.legal_name
    row.email, row.phone, row.pan_last4 = form.email, form.phone, form.pan[-4:]
    row.settlement_kind, row.beneficiary_name = form.kind, form.beneficiary_name
    row.account_last4 = form.account_number[-4:] or None
    row.ifsc, row.upi_vpa = form.ifsc or None, form.upi_vpa or None
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # a second tab inserted the owner's row first
        raise Conflict(ErrorCode.LINKED_ACCOUNT_BUSY) from None
    return row.id


def _account_body(row_id: int, actor: Principal, form: AccountForm) -> dict:
    contact = actor.full_name if len(actor.full_name) >= 4 else form.legal_name
    return {
        "email": form.email,
        "phone": form.phone,
        "type": "route",
        "reference_id": f"ks-la-{row_id}-{secrets.token_hex(3)}",  # unique even if ids restart (a restore)
        "legal_business_name": form.legal_name,
        "business_type": "individual" if actor.role == Role.FARMER else "society",
        "contact_name": contact[:255],
        "profile": {
            "category": "others",
            "subcategory": "agriculture",
            "addresses": {
                "registered": {
                    "street1": form.street,
                    "street2": form.city,
                    "city": form.city,
                    "state": form.state.upper(),
                    "postal_code": form.pincode,
                    "country": "IN",
                }
            },
        },
        "legal_info": {"pan": form.pan},
        "notes": {"kisaan_linked_account": str(row_id)},
    }


def _settlements(form: AccountForm) -> dict:
    if form.kind == "upi":
        return {"beneficiary_name": form.beneficiary_name, "upi_vpa": form.upi_vpa}
    return {"beneficiary_name": form.beneficiary_name, "account_number": form.account_number, "ifsc_code": form.ifsc}


def set_up(sessions: SessionFactory, actor: Principal, raw: AccountForm) -> LinkedAccount:
    """Check, reserve, create at Razorpay, activate. Returns the stored row (active, or raises)."""
    form = check_form(raw)
    # Each try is three Razorpay calls: the payment creation budget (KISAAN_PAYMENT_RATE_PER_USER) bounds it.
    ratelimit.take(get_settings().payment_rate_per_user, "payout-account", str(actor.id))
    with sessions() as session:
        row_id = _reserve(session, actor, form)
        existing_id = session.get(LinkedAccount, row_id).razorpay_account_id
    client = gateway.client()
    try:
        account_id = existing_id
        if account_id is None:
            account_id = gateway.call(client.account.create, _account_body(row_id, actor, form))["id"]
            with sessions() as session:  # kept at once: a retry after a crash must not create a second account
                row = session.get(LinkedAccount, row_id)
                row.razorpay_account_id = account_id
                session.add(row)
        product = gateway.call(
            client.product.requestProductConfiguration, account_id, {"product_name": "route", "tnc_accepted": True}
        )
        gateway.call(
            client.product.edit, account_id, product["id"], {"settlements": _settlements(form), "tnc_accepted": True}
        )
    except gateway.ProviderError as err:
        with sessions() as session:
            row = session.get(LinkedAccount, row_id)
            row.status, row.last_error, row.updated_at = LinkedAccountStatus.FAILED, str(err.params)[:300], utcnow()
            session.add(row)
        raise
    with sessions() as session:
        row = session.get(LinkedAccount, row_id)
        row.status, row.razorpay_product_id, row.updated_at = LinkedAccountStatus.ACTIVE, product["id"], utcnow()
        session.add(row)
        audit.record(
            session,
            "payout.account_active",
            actor=actor,
            target_type="linked_account",
            target_id=account_id,
            organization_id=row.organization_id or actor.organization_id,
            details={"kind": form.kind},
        )
        _wake_waiting(session, row)
        return row


def _wake_waiting(session: Session, row: LinkedAccount) -> None:
    """Sales that waited for this account can now be transferred."""
    from kisaan_app.services.payouts.ledger import request_sync

    query = select(Payout).where(Payout.status == PayoutStatus.AWAITING_ACCOUNT)
    query = (
        query.where(Payout.seller_id == row.user_id)
        if row.user_id
        else query.where(Payout.organization_id == row.organization_id)
    )
    for payout in session.exec(query).all():
        request_sync(session, payout)
