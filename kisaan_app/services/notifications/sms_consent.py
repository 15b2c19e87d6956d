"""SMS consent per phone number: STOP opts a number out of every SMS we send, START opts it back in.

One rule, checked in two places so no sender path can miss it:
- when deliveries are planned (audience.Reach: campaigns, weather warnings, price alerts, ops alerts, the send
  API, escalations) an opted-out number gets no SMS row at all, and previews count it out;
- when any SMS row is about to go to Twilio (delivery.py), whoever wrote it (a password reset code, a row
  queued before the STOP arrived): an opted-out number's row is marked skipped, never sent.
The one exception is the confirmation of the STOP itself (carriers expect that single reply).
Other channels (in-app, push, email) are not changed by an SMS STOP: the person sets those in their preferences.
"""

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import SmsConsent
from kisaan_app.services import audit

ID_CHUNK = 500
CONSENT_NOTICE = "consent_notice"  # a delivery's data flag: the STOP confirmation, sent despite the opt-out


def is_opted_out(session: Session, phone: str | None) -> bool:
    if not phone:
        return False
    row = session.exec(select(SmsConsent).where(SmsConsent.phone == phone)).first()
    return bool(row and row.opted_out)


def opted_out_among(session: Session, phones: Iterable[str | None]) -> set[str]:
    """The numbers among `phones` that said STOP (a campaign asks for thousands at once)."""
    wanted = sorted({p for p in phones if p})
    found: set[str] = set()
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        found.update(
            session.exec(
                select(SmsConsent.phone).where(col(SmsConsent.phone).in_(chunk), col(SmsConsent.opted_out))
            ).all()
        )
    return found


def _first_row(session: Session, phone: str) -> SmsConsent:
    """The number's row, made now (opted in, to be changed by the caller); two first STOPs from one number at the
    same moment both end up with the one row (the unique phone decides, in a savepoint)."""
    try:
        with session.begin_nested():
            row = SmsConsent(phone=phone, opted_out=False)
            session.add(row)
            session.flush()
            return row
    except IntegrityError:
        return session.exec(select(SmsConsent).where(SmsConsent.phone == phone)).one()


def set_consent(
    session: Session,
    phone: str,
    *,
    opted_out: bool,
    keyword: str,
    user_id: int | None,
    organization_id: int | None = None,
    message_sid: str | None = None,
) -> bool:
    """Record STOP (opted_out=True) or START for `phone`; True when this changed anything. The change is
    audited (who, which word, which message); saying STOP twice changes nothing the second time."""
    row = session.exec(select(SmsConsent).where(SmsConsent.phone == phone)).first()
    if row is None:
        if not opted_out:
            return False  # START from a number that never said STOP: it already gets SMS
        row = _first_row(session, phone)  # opted in until changed below (or already out: a STOP beside this one)
    if row.opted_out == opted_out:
        return False
    row.opted_out, row.keyword, row.message_sid = opted_out, keyword[:40], message_sid
    row.user_id = user_id if user_id is not None else row.user_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        "sms.opted_out" if opted_out else "sms.opted_in",
        actor_label=phone,
        target_type="sms_consent",
        target_id=row.id,
        organization_id=organization_id,
        details={"keyword": keyword[:40], "message_sid": message_sid, "user_id": user_id},
    )
    return True
