"""Working through a stored member import: accounts made in chunks, one transaction each, progress on the bus.

Durable without a workflow engine: the database holds the whole state. A chunk locks its import, takes the
next pending rows, finds or makes each member's account by phone, queues the welcome SMS (keyed by account,
so never twice) and marks the rows, all in one commit. A worker killed mid-chunk leaves that chunk rolled back
(no account, no SMS row) and the lease (claimed_until) lapses; the sweep re-queues the import and it resumes at
the first pending row. A finished chunk is never redone.
"""

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from kisaan_app.models.accounts import FarmerProfile, Organization, User
from kisaan_app.models.base import utcnow
from kisaan_app.models.onboarding import MemberImport, MemberImportRow
from kisaan_app.realtime.events import managers_target, send_on_commit
from kisaan_app.realtime.payloads import ImportProgress
from kisaan_app.services import accounts, audit
from kisaan_app.services.accounts import membership
from kisaan_app.services.notifications.events import tell
from kisaan_app.services.onboarding import members
from kisaan_app.settings import get_settings

CHUNK = 50
LEASE = timedelta(minutes=2)  # a chunk takes well under this; a lapsed lease means its worker died


def _welcome(session: Session, user: User, org: Organization) -> None:
    words = {
        "org": org.name,
        "phone": user.phone or "",
        "url": get_settings().public_url.rstrip("/") + "/forgot-password",
    }
    tell(session, "onboarding.welcome", user, f"welcome:{user.id}", words, url="/forgot-password")


def _account(session: Session, row: MemberImportRow, org: Organization, placing: bool) -> tuple[User, bool]:
    """The member's account by phone: made (farmer, this FPO, a random password they replace by SMS code) or
    found (a farmer of this FPO, or of none: then placed in it if a platform admin uploaded the file; an org
    admin's file never places someone who signed up meanwhile). Upload refused other cases; a number taken in
    between raises, and the chunk is retried."""
    user = session.exec(select(User).where(User.phone == row.phone)).first()
    if user is not None:
        if user.organization_id is None and placing:
            membership.assign(session, user, org.id)
        return user, False
    reg = accounts.Registration(
        full_name=row.full_name,
        password=secrets.token_urlsafe(24),  # nobody knows it: the welcome says how to set one
        phone=row.phone,
        preferred_language=row.language,
        district=row.district,
    )
    user = accounts.register(session, reg)
    membership.assign(session, user, org.id)
    profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).first()
    if profile is not None:
        profile.village, profile.crops = row.village, list(row.crops or [])
        session.add(profile)
    return user, True


def run_chunk(session: Session, import_id: int, now: datetime | None = None) -> bool:
    """One chunk; True while rows remain. Call in a fresh transaction each time."""
    now = now or utcnow()
    job = session.exec(
        select(MemberImport)
        .where(MemberImport.id == import_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if job is None or job.status == "done":
        return False
    org = session.get(Organization, job.organization_id)
    rows = session.exec(
        select(MemberImportRow)
        .where(MemberImportRow.import_id == job.id, MemberImportRow.outcome == "pending")
        .order_by(col(MemberImportRow.line))
        .limit(CHUNK)
    ).all()
    placing = members.may_place(session.get(User, job.uploaded_by_id))
    for row in rows:
        if org is None:
            break
        user, created = _account(session, row, org, placing)
        if created:
            _welcome(session, user, org)
        row.user_id, row.outcome, row.updated_at = user.id, "created" if created else "existing", now
        session.add(row)
        job.created_count += int(created)
        job.existing_count += int(not created)
    job.done_rows += len(rows) if org is not None else 0
    job.status, job.claimed_until, job.updated_at = "running", now + LEASE, now
    finished = org is None or job.done_rows >= job.total_rows
    if finished:
        job.status, job.claimed_until, job.finished_at = "done", None, now
        audit.record(
            session,
            "members.import_finished",
            actor_label="member-import",
            target_type="member_import",
            target_id=job.id,
            organization_id=job.organization_id,
            details={"created": job.created_count, "existing": job.existing_count},
        )
    session.add(job)
    progress = ImportProgress(
        import_id=import_id, status=job.status, done=job.done_rows, total=job.total_rows, created=job.created_count
    )
    send_on_commit(session, managers_target(job.organization_id), progress)
    return not finished


def stalled(session: Session, now: datetime | None = None) -> list[int]:
    """Imports nobody is working on (their worker died or the queue lost the job): the sweep re-queues them."""
    now = now or utcnow()
    query = select(MemberImport.id).where(
        col(MemberImport.status).in_(("queued", "running")),
        or_(col(MemberImport.claimed_until).is_(None), col(MemberImport.claimed_until) < now),
        col(MemberImport.updated_at) < now - LEASE,
    )
    return [i for i in session.exec(query).all() if i is not None]


def run_import(session_scope: Callable[[], AbstractContextManager[Session]], import_id: int) -> int:
    """Every remaining chunk, one transaction each; returns how many chunks ran. A failure leaves the rest pending
    for a retry or the sweep."""
    chunks = 0
    more = True
    while more:
        with session_scope() as session:
            more = run_chunk(session, import_id)
        chunks += 1
    return chunks
