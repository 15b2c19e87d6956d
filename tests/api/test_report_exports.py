"""/api/reports: the FPO report downloads as CSV (UTF-8 BOM, Devanagari intact) and XLSX, only for that FPO's
admin or a platform admin; the JSON reports for their own readers only."""

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import bearer, token_for
from tests.reports import known_data


@pytest.fixture
def world(api):
    _tokens.clear()
    return known_data.build()


_tokens: dict[int, str] = {}


def _auth(user) -> dict[str, str]:  # noqa: ANN001
    """One login per person per test (a login hashes a password: slow on purpose)."""
    if user.id not in _tokens:
        _tokens[user.id] = token_for(user)
    return bearer(_tokens[user.id])


def test_csv_has_a_bom_and_devanagari_round_trips(api, world):
    r = api.get("/api/reports/fpo/export.csv?table=by_member", headers=_auth(world.org_admin_a))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Member" and rows[1] == ["राम पाटील", "4", "27", "48500.00"]
    # Headers follow the reader's language; a name typed as a formula stays text.
    from kisaan_app.db import session_scope
    from kisaan_app.models.accounts import User

    with session_scope() as s:
        s.get(User, world.farmer.id).full_name = "=HYPERLINK(1)"
        s.get(User, world.org_admin_a.id).preferred_language = "hi"
    rows = list(
        csv.reader(
            io.StringIO(
                api.get("/api/reports/fpo/export.csv", headers=_auth(world.org_admin_a)).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0][0] == "सदस्य" and rows[1][0] == "'=HYPERLINK(1)"


def test_xlsx_opens_with_a_sheet_per_table_for_its_fpo_only(api, world):
    r = api.get("/api/reports/fpo/export.xlsx", headers=_auth(world.org_admin_a))
    assert r.status_code == 200, r.text
    book = load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) == 8
    members = book["Sales by member"]
    assert members["A2"].value == "राम पाटील" and members["D2"].value == 48500.0
    assert members["D2"].number_format == "#,##,##0.00"
    flagged = book["Orders to check"]
    assert flagged.max_row == 3  # the header and the two orders that do not add up
    for path in ("/api/reports/fpo/export.csv", "/api/reports/fpo/export.xlsx", "/api/reports/fpo"):
        other = api.get(f"{path}?organization_id={world.org_a}", headers=_auth(world.org_admin_b))
        assert other.status_code == 404, path
        assert "राम" not in other.text
        assert api.get(path, headers=_auth(world.farmer)).status_code == 403, path
        assert api.get(path).status_code == 401, path
    admin = api.get(f"/api/reports/fpo/export.csv?organization_id={world.org_b}", headers=_auth(world.admin))
    assert admin.status_code == 200 and "Other Farmer" in admin.content.decode("utf-8-sig")
    assert api.get("/api/reports/fpo/export.csv?table=users", headers=_auth(world.org_admin_a)).status_code == 422


def test_json_reports_for_their_readers(api, world):
    farm = api.get("/api/reports/my-farm", headers=_auth(world.farmer))
    assert farm.status_code == 200 and farm.json()["money"]["received_paise"] == 4_450_000
    assert api.get("/api/reports/my-farm", headers=_auth(world.buyer)).status_code == 403
    assert api.get("/api/reports/platform", headers=_auth(world.org_admin_a)).status_code == 403
    assert api.get("/api/reports/platform", headers=_auth(world.admin)).json()["gmv_paise"] == 14_849_900
    market = api.get("/api/reports/market?crop=Onion&district=Nashik", headers=_auth(world.buyer))
    assert market.status_code == 200 and len(market.json()["months"]) == 12
    assert api.get("/api/reports/market?crop=Onion&months=99", headers=_auth(world.buyer)).status_code == 422
    assert api.get("/api/reports/market/crops", headers=_auth(world.buyer)).json() == ["Onion"]
