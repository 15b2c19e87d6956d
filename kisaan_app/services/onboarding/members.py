"""An FPO admin's member list from a CSV: every line checked, then the whole file stored as one import, or
nothing at all.

Why all-or-nothing at upload and per-row idempotent afterwards: a half-imported list is the worst outcome for
an admin (which members got in? which got an SMS?), so a file with any bad line writes nothing and lists every
bad line by number, in the admin's language. A clean file is stored whole in one transaction (rows pending);
the accounts are then made in chunks by a job (runner.py) so a 5,000-member list shows progress and survives a
worker restart. Each account is found or made by its phone number, and each welcome SMS is keyed by the
member's account, so the same file twice, or a resumed job, makes no second account and sends no second SMS.
"""

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kisaan_app.i18n import available_languages, error_text, t
from kisaan_app.jobs import enqueue_on_commit
from kisaan_app.models.accounts import Organization, User
from kisaan_app.models.enums import Role
from kisaan_app.models.onboarding import MemberImport, MemberImportRow
from kisaan_app.services import audit, glossary
from kisaan_app.services.accounts.validation import check_crops, check_plain_name, normalize_phone, optional_text
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import DomainError, NotFound, ValidationFailed
from kisaan_app.services.onboarding import csv_file
from kisaan_app.settings import get_settings

REQUIRED = ("name", "phone")
OPTIONAL = ("village", "district", "crops", "language")
# What people type in the language column: codes, and the names in English and in the language itself.
LANGUAGE_NAMES = {
    "english": "en",
    "hindi": "hi",
    "हिंदी": "hi",
    "हिन्दी": "hi",
    "marathi": "mr",
    "मराठी": "mr",
    "punjabi": "pa",
    "ਪੰਜਾਬੀ": "pa",
    "gujarati": "gu",
    "ગુજરાતી": "gu",
    "tamil": "ta",
    "தமிழ்": "ta",
    "telugu": "te",
    "తెలుగు": "te",
}
MAX_ERRORS_SHOWN = 200


@dataclass
class MemberLine:
    line: int
    full_name: str
    phone: str
    village: str | None
    district: str | None
    crops: list[str]
    language: str


@dataclass
class CheckedFile:
    lines: list[MemberLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "Line 7: …" in the admin's language
    error_count: int = 0


class ImportRefused(ValidationFailed):
    """The file has bad lines: nothing was written; `lines` lists them for the admin."""

    def __init__(self, lines: list[str], count: int) -> None:
        super().__init__("import_has_errors", field="file", count=count, lines=lines)
        self.lines = lines


def _language(raw: str, fallback: str) -> str:
    value = raw.strip().lower()
    if not value:
        return fallback
    code = LANGUAGE_NAMES.get(value, value)
    if code not in available_languages() and code not in LANGUAGE_NAMES.values():
        raise ValidationFailed("import_language", field="language")
    return code


def _member(cells: dict[str, str], line: int, fallback_language: str) -> MemberLine:
    name = check_plain_name(cells.get("name"), field="name", code="import_name", shortest=2, longest=80)
    if name is None:
        raise ValidationFailed("import_name", field="name")
    district = optional_text(cells.get("district"), field="district", max_len=80)
    return MemberLine(
        line=line,
        full_name=name,
        phone=normalize_phone(cells.get("phone") or "", field="phone"),
        village=check_plain_name(cells.get("village"), field="village", code="import_place", longest=120),
        district=glossary.canonical("district", district) if district else None,
        crops=check_crops(cells.get("crops", "").replace(";", ",").replace("|", ",")),
        language=_language(cells.get("language", ""), fallback_language),
    )


def may_place(uploader: Principal | User | None) -> bool:
    """Whether an import by `uploader` may put an existing farmer who has no FPO into the FPO: a platform admin
    may (as on the users page); an org admin may not, since the people an org admin manages are only those they
    approved on a join request (services/accounts/membership.py), never a stranger listed in a file."""
    return uploader is not None and uploader.role == Role.ADMIN


def _taken(session: Session, phones: list[str], organization_id: int, placing: bool) -> dict[str, str]:
    """Numbers whose account may not join this FPO by import: another FPO's member, not a farmer, or (for an org
    admin's file) a farmer with an account of their own and no FPO, who asks to join instead."""
    joinable = (None, organization_id) if placing else (organization_id,)
    taken: dict[str, str] = {}
    for start in range(0, len(phones), 500):
        chunk = phones[start : start + 500]
        for user in session.exec(select(User).where(col(User.phone).in_(chunk))).all():
            if user.role != Role.FARMER or user.organization_id not in joinable:
                taken[user.phone or ""] = "import_phone_taken"
    return taken


def check_file(session: Session, admin: Principal, organization_id: int, raw: bytes) -> CheckedFile:
    """Every line checked; the admin's language for the messages. Raises only for a file-wide problem."""
    settings = get_settings()
    lang = admin.language
    header, found = csv_file.rows(
        csv_file.decode(raw, settings.member_import_max_bytes), settings.member_import_max_rows
    )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed("csv_missing_columns", field="file", columns=", ".join(missing))
    result = CheckedFile()
    first_line: dict[str, int] = {}

    def fail(line: int, err: DomainError) -> None:
        result.error_count += 1
        if len(result.errors) < MAX_ERRORS_SHOWN:
            where = t(lang, "onboarding.line", line=line, column=t(lang, f"onboarding.column.{err.field or 'file'}"))
            result.errors.append(f"{where}: {error_text(lang, err.code, **err.params)}")

    for line, cells in found:
        try:
            member = _member(cells, line, lang)
        except DomainError as err:
            fail(line, err)
            continue
        if member.phone in first_line:
            fail(line, ValidationFailed("import_duplicate_phone", field="phone", line=first_line[member.phone]))
            continue
        first_line[member.phone] = line
        result.lines.append(member)
    taken = _taken(session, [m.phone for m in result.lines], organization_id, may_place(admin))
    for member in result.lines:
        if member.phone in taken:
            fail(member.line, ValidationFailed(taken[member.phone], field="phone"))
    result.lines = [m for m in result.lines if m.phone not in taken]
    return result


def _organization_for(session: Session, admin: Principal, organization_id: int | None) -> Organization:
    require_role(admin, Role.ORG_ADMIN, Role.ADMIN)
    wanted = admin.organization_id if admin.role == Role.ORG_ADMIN else organization_id
    if admin.role == Role.ORG_ADMIN and organization_id not in (None, admin.organization_id):
        raise NotFound("organization_not_found")
    org = session.get(Organization, wanted) if wanted is not None else None
    if org is None or org.id is None:
        raise NotFound("organization_not_found")
    return org


def start_import(
    session: Session,
    admin: Principal,
    meta: RequestMeta | None,
    raw: bytes,
    file_name: str,
    organization_id: int | None = None,
) -> MemberImport:
    """Check the whole file; store it (and queue the work) only if every line is good. The same file again
    (same bytes, same FPO) returns the import it made the first time."""
    org = _organization_for(session, admin, organization_id)
    assert org.id is not None  # _organization_for refuses an unsaved one
    digest = hashlib.sha256(raw).hexdigest()
    earlier = session.exec(
        select(MemberImport).where(MemberImport.organization_id == org.id, MemberImport.file_sha256 == digest)
    ).first()
    if earlier is not None:
        return earlier
    checked = check_file(session, admin, org.id, raw)
    if checked.error_count:
        raise ImportRefused(checked.errors, checked.error_count)
    name = " ".join((file_name or "members.csv").split())[:200] or "members.csv"
    job = MemberImport(
        organization_id=org.id,
        uploaded_by_id=admin.id,
        file_name=name,
        file_sha256=digest,
        total_rows=len(checked.lines),
    )
    try:
        with session.begin_nested():  # the same file sent twice at once (a double click): one import, not a 500
            session.add(job)
    except IntegrityError:
        return session.exec(
            select(MemberImport).where(MemberImport.organization_id == org.id, MemberImport.file_sha256 == digest)
        ).one()
    assert job.id is not None
    session.add_all(
        MemberImportRow(
            import_id=job.id,
            line=m.line,
            full_name=m.full_name,
            phone=m.phone,
            village=m.village,
            district=m.district,
            crops=m.crops,
            language=m.language,
        )
        for m in checked.lines
    )
    audit.record(
        session,
        "members.import_started",
        actor=admin,
        meta=meta,
        target_type="member_import",
        target_id=job.id,
        organization_id=org.id,
        details={"rows": job.total_rows, "file": name},
    )
    enqueue_on_commit(session, "onboarding.run_import", job.id)
    return job


def visible_import(session: Session, viewer: Principal, import_id: int) -> MemberImport:
    require_role(viewer, Role.ORG_ADMIN, Role.ADMIN)
    job = session.get(MemberImport, import_id)
    if job is None or (viewer.role == Role.ORG_ADMIN and job.organization_id != viewer.organization_id):
        raise NotFound("import_not_found")
    return job


def recent_imports(session: Session, viewer: Principal, limit: int = 20) -> list[MemberImport]:
    require_role(viewer, Role.ORG_ADMIN, Role.ADMIN)
    query = select(MemberImport)
    if viewer.role == Role.ORG_ADMIN:
        query = query.where(MemberImport.organization_id == viewer.organization_id)
    return list(session.exec(query.order_by(col(MemberImport.id).desc()).limit(limit)).all())


def rows_csv(session: Session, viewer: Principal, import_id: int) -> str:
    """The import's members and what became of each, for a spreadsheet (formula-safe: names are typed by
    people, and a name like =HYPERLINK(...) must stay a name)."""
    job = visible_import(session, viewer, import_id)
    rows = session.exec(
        select(MemberImportRow).where(MemberImportRow.import_id == job.id).order_by(col(MemberImportRow.line))
    ).all()
    lang = viewer.language
    header = [t(lang, f"onboarding.column.{c}") for c in ("line", "name", "phone", "village", "district", "crops")]
    header += [t(lang, "onboarding.column.language"), t(lang, "onboarding.column.outcome")]
    return csv_file.write(
        header,
        [
            [
                r.line,
                r.full_name,
                r.phone,
                r.village,
                r.district,
                ", ".join(r.crops or []),
                r.language,
                t(lang, f"onboarding.outcome.{r.outcome}"),
            ]
            for r in rows
        ],
    )
