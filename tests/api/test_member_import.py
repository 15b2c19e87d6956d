"""Members from a CSV: every line checked before anything is written (line-numbered errors in the admin's
language), the files spreadsheets really save (UTF-8 with a BOM, CP1252, UTF-16 tab-separated) read right,
hostile files refused, accounts made once and one welcome SMS each in the member's language, however often the
file is uploaded or the job is run, and a job cut off mid-way finishing without doubles (both databases)."""

import codecs
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from kisaan_app.db import session_scope
from kisaan_app.i18n import available_languages
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.onboarding import MemberImport, MemberImportRow
from kisaan_app.services import accounts
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.onboarding import members, runner
from tests.factories import META, bearer, make_org, make_user, token_for

GOOD = (
    "Name,Phone,Village,District,Crops,Language\n"
    "रमेश पाटील,98220 11111,पिंपळगाव,nashik,onion;grapes,mr\n"
    "Sunita Devi,+91 98220 22222,Lasalgaon,Nashik,Onion,hi\n"
    "Joseph Dsouza,9822033333,,,Tomato,english\n"
)


def _p(user_id: int):
    with session_scope() as session:
        return accounts.to_principal(session.get(User, user_id))


@pytest.fixture
def fpo(db):
    org = make_org("Nashik FPO")
    admin = make_user("org_admin", org_id=org, name="FPO Office")
    return {"org": org, "admin": admin.id}


def _start(fpo, raw: bytes, name: str = "members.csv") -> int:
    with session_scope() as session:
        return members.start_import(session, _p(fpo["admin"]), META, raw, name).id


def _run(import_id: int) -> None:
    runner.run_import(session_scope, import_id)


def _welcomes() -> list[tuple[str, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(NotificationHistory).where(col(NotificationHistory.idempotency_key).startswith("welcome:"))
        ).all()
        return sorted((r.recipient, r.language) for r in rows if r.channel == "sms")


def _count(model, *where) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_clean_file_makes_each_member_once_and_welcomes_each_once_in_their_language(fpo):
    raw = codecs.BOM_UTF8 + GOOD.encode()
    import_id = _start(fpo, raw)
    _run(import_id)
    assert _start(fpo, raw) == import_id  # the same file again: the same import, nothing new
    _run(import_id)
    with session_scope() as session:
        job = session.get(MemberImport, import_id)
        assert (job.status, job.done_rows, job.total_rows, job.created_count) == ("done", 3, 3, 3)
        ramesh = session.exec(select(User).where(User.phone == "+919822011111")).one()
        profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == ramesh.id)).one()
        marathi = "mr" if "mr" in available_languages() else "en"  # until the Marathi catalogue lands: English
        assert (ramesh.full_name, ramesh.organization_id, ramesh.preferred_language) == (
            "रमेश पाटील",
            fpo["org"],
            marathi,
        )
        assert (profile.village, profile.district, profile.crops) == ("पिंपळगाव", "Nashik", ["Onion", "Grapes"])
    assert _welcomes() == [("+919822011111", marathi), ("+919822022222", "hi"), ("+919822033333", "en")]
    # A second file that repeats a member: found, not made again, not welcomed again.
    second = b"name,phone\nSunita Devi,9822022222\nNew Member,9822044444\n"
    _run(_start(fpo, second, "more.csv"))
    assert _count(User, User.phone == "+919822022222") == 1
    assert [p for p, _lang in _welcomes()].count("+919822022222") == 1
    assert len(_welcomes()) == 4


def test_one_bad_line_writes_nothing_and_every_problem_is_listed_by_line_in_the_admins_language(fpo):
    with session_scope() as session:
        session.get(User, fpo["admin"]).preferred_language = "hi"
    other = make_user("farmer", org_id=make_org("Pune FPO"), phone="+919822055555")
    bad = (
        "name,phone,language\n"
        "Good Person,9822066666,hi\n"
        '=HYPERLINK("http://x"),9822077777,hi\n'  # a formula for a name
        "Another,12345,hi\n"
        "Third,9822066666,hi\n"  # the same number as line 2
        f"Taken,{other.phone},hi\n"
        "Fourth,9822088888,klingon\n"
    )
    with pytest.raises(members.ImportRefused) as refused:
        _start(fpo, bad.encode())
    lines = refused.value.lines
    assert [line.split(",")[0] for line in lines] == [f"पंक्ति {n}" for n in (3, 4, 5, 7, 6)]
    assert "पंक्ति 5, फ़ोन: यही फ़ोन नंबर पंक्ति 2 में पहले से है।" in lines
    assert _count(MemberImport) == 0 and _count(MemberImportRow) == 0
    assert _count(User, User.phone == "+919822066666") == 0


@pytest.mark.parametrize(
    "raw",
    [
        "name,phone\nZoë Fernandes,9822011111\n".encode("cp1252"),  # Excel on Windows, "CSV (Comma delimited)"
        "name\tphone\nZoë Fernandes\t9822011111\n".encode("utf-16"),  # Excel's "Unicode text"
        codecs.BOM_UTF8 + "name;phone\nZoë Fernandes;9822011111\n".encode(),  # a European-locale Excel
    ],
    ids=["cp1252", "utf16-tabs", "bom-semicolons"],
)
def test_the_files_spreadsheets_save_are_read_right(fpo, raw):
    with session_scope() as session:
        checked = members.check_file(session, _p(fpo["admin"]), fpo["org"], raw)
    assert [(m.full_name, m.phone) for m in checked.lines] == [("Zoë Fernandes", "+919822011111")]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"name,phone\nA\x00B,9822011111\n", "csv_encoding"),
        (b"name,phone\n\x81\x8d\x8f,9822011111\n", "csv_encoding"),  # not UTF-8, and not CP1252 either
        (b"", "csv_empty"),
        (b"village\nPimpalgaon\n", "csv_missing_columns"),
        (b"name,phone\n" + b"x" * 1200 + b",9822011111\n", "csv_field_too_long"),
        (b"name,phone\n" + b"Ravi,9822011111\n" * 5001, "csv_too_many_rows"),
        (b"name,phone\n" + b"a" * 2_000_001, "import_file_too_large"),
    ],
    ids=["nul", "bad-bytes", "empty", "no-columns", "huge-cell", "too-many-rows", "too-large"],
)
def test_hostile_files_are_refused_whole_with_a_clear_code(fpo, raw, code):
    with pytest.raises(ValidationFailed) as refused:
        _start(fpo, raw)
    assert refused.value.code == code
    assert _count(MemberImport) == 0


def test_exported_names_cannot_run_as_formulas(fpo):
    import_id = _start(fpo, b"name,phone\n-Ravi Kumar,9822011111\n+Meena,9822022222\n")
    with session_scope() as session:
        text = members.rows_csv(session, _p(fpo["admin"]), import_id)
    assert text.startswith("\ufeff")
    assert "'-Ravi Kumar" in text and "'+Meena" in text and "\n-Ravi" not in text


def test_a_job_cut_off_mid_import_resumes_without_a_second_account_or_sms(fpo, monkeypatch):
    monkeypatch.setattr(runner, "CHUNK", 2)
    rows = "".join(f"Member {chr(65 + i)},98221{i:05d}\n" for i in range(5))
    import_id = _start(fpo, ("name,phone\n" + rows).encode())
    with session_scope() as session:
        assert runner.run_chunk(session, import_id)  # the first two are in
    real_welcome = runner._welcome
    calls = []

    def dies_on_the_second(session, user, org):
        calls.append(user.phone)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # mid-chunk: one account made and welcomed in this transaction
        real_welcome(session, user, org)

    monkeypatch.setattr(runner, "_welcome", dies_on_the_second)
    with pytest.raises(SystemExit):
        _run(import_id)
    monkeypatch.setattr(runner, "_welcome", real_welcome)
    with session_scope() as session:
        job = session.get(MemberImport, import_id)
        assert (job.done_rows, job.status) == (2, "running")  # the cut-off chunk left nothing behind
        assert runner.stalled(session) == []  # its lease is still running
        assert runner.stalled(session, utcnow() + timedelta(minutes=5)) == [import_id]
    _run(import_id)
    assert _count(User, col(User.phone).startswith("+9198221")) == 5
    assert len(_welcomes()) == 5
    with session_scope() as session:
        assert session.get(MemberImport, import_id).status == "done"


def test_the_api_refuses_with_the_lines_and_only_the_fpos_admin_sees_an_import(api, fpo):
    admin_h = bearer(token_for(_user(fpo["admin"])))
    bad = api.post("/api/members/imports", files={"file": ("m.csv", b"name,phone\nRavi,123\n")}, headers=admin_h)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "import_has_errors"
    assert bad.json()["error"]["details"]["lines"] == [
        "Line 2, phone: Enter a valid Indian mobile number, like 98765 43210."
    ]
    good = api.post("/api/members/imports", files={"file": ("m.csv", GOOD.encode())}, headers=admin_h)
    assert good.status_code == 202, good.text
    import_id = good.json()["id"]
    assert api.get(f"/api/members/imports/{import_id}", headers=admin_h).json()["total_rows"] == 3
    other_h = bearer(token_for(make_user("org_admin", org_id=make_org("Pune FPO"), name="Other Office")))
    assert api.get(f"/api/members/imports/{import_id}", headers=other_h).status_code == 404
    farmer_h = bearer(token_for(make_user("farmer", org_id=fpo["org"])))
    assert (
        api.post("/api/members/imports", files={"file": ("m.csv", GOOD.encode())}, headers=farmer_h).status_code == 403
    )


def _user(user_id: int) -> User:
    with session_scope() as session:
        return session.get(User, user_id)


@pytest.mark.parametrize("huge", [2**31, 2**63])
def test_an_import_or_fpo_id_no_row_can_have_is_a_422_not_a_server_error(api, fpo, huge):
    admin_h = bearer(token_for(make_user("admin", name="Platform Admin")))
    for path in (f"/api/members/imports/{huge}", f"/api/members/imports/{huge}/rows.csv"):
        assert api.get(path, headers=admin_h).status_code == 422, path
    upload = api.post(
        f"/api/members/imports?organization_id={huge}", files={"file": ("m.csv", GOOD.encode())}, headers=admin_h
    )
    assert upload.status_code == 422, upload.text


def test_an_org_admins_file_cannot_pull_a_farmer_without_an_fpo_into_it(fpo):
    """Membership of someone who signed up on their own comes only from their join request; a platform admin may
    still place them (as on the users page)."""
    own = make_user("farmer", name="Self Signed", phone="+919822100001")
    raw = b"name,phone\nSelf Signed,9822100001\n"
    with pytest.raises(ValidationFailed) as refused:
        _start(fpo, raw)
    assert refused.value.code == "import_has_errors" and "Line 2" in refused.value.lines[0]
    with session_scope() as session:
        assert session.get(User, own.id).organization_id is None
        assert session.exec(select(func.count()).select_from(MemberImport)).one() == 0
    platform = make_user("admin", name="Platform Admin")
    with session_scope() as session:
        import_id = members.start_import(session, _p(platform.id), META, raw, "m.csv", fpo["org"]).id
    _run(import_id)
    with session_scope() as session:
        assert session.get(User, own.id).organization_id == fpo["org"]


def test_a_farmer_who_signs_up_between_upload_and_run_is_not_placed_by_an_org_admins_file(fpo):
    import_id = _start(fpo, b"name,phone\nLate Signer,9822100002\n")
    late = make_user("farmer", name="Late Signer", phone="+919822100002")
    _run(import_id)
    with session_scope() as session:
        assert session.get(User, late.id).organization_id is None
        assert session.get(MemberImport, import_id).status == "done"


def test_the_same_file_sent_twice_at_once_makes_one_import(fpo, monkeypatch):
    """A double click: the second upload checks the file while the first commits; it answers with the first
    import (the unique (FPO, file) decides), never a 500 or a second import."""
    import hashlib

    raw = GOOD.encode()
    real_check = members.check_file

    def first_commits_meanwhile(session, admin, organization_id, data):
        checked = real_check(session, admin, organization_id, data)
        with session_scope() as other:
            other.add(
                MemberImport(
                    organization_id=organization_id,
                    uploaded_by_id=fpo["admin"],
                    file_name="members.csv",
                    file_sha256=hashlib.sha256(data).hexdigest(),
                    total_rows=len(checked.lines),
                )
            )
        return checked

    monkeypatch.setattr(members, "check_file", first_commits_meanwhile)
    second = _start(fpo, raw)
    with session_scope() as session:
        assert session.exec(select(MemberImport.id)).all() == [second]
