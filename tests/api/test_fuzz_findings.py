"""What the schemathesis run (test_openapi_fuzz.py) found, pinned as plain requests: each was a 500 before."""

from tests.factories import bearer, make_user, token_for
from tests.notifications_support import person

HUGE = 2**70


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "field", "details"}
    return error


def test_ids_and_offsets_past_what_a_column_holds_are_a_422(api):
    headers = bearer(token_for(make_user("admin")))
    for method, path in [
        ("get", f"/api/market/listings/{HUGE}"),
        ("post", f"/api/market/bids/{HUGE}/reject"),
        ("post", f"/api/market/bids/{2**31}/withdraw"),  # fits SQLite, not PostgreSQL's integer ids
        ("get", f"/api/notifications/history/{HUGE}"),
        ("post", f"/api/users/{HUGE}/deactivate"),
        ("get", f"/api/notifications/email/history?offset={HUGE}"),
        ("get", f"/api/users?organization_id={HUGE}"),
        ("get", f"/api/payments/history?max_amount_paise={HUGE}"),
    ]:
        error = _problem(api.request(method, path, headers=headers), 422)
        assert error["code"] == "invalid_request", path


def test_listing_filters_past_any_listing_match_nothing_instead_of_failing(api):
    headers = bearer(token_for(make_user("buyer")))
    for query in ("min_quantity=1e308", "min_quantity=inf", f"max_price_paise={HUGE}"):
        answer = api.get(f"/api/market/listings?{query}", headers=headers)
        assert answer.status_code in (200, 422), (query, answer.text)
        if answer.status_code == 200:
            assert answer.json()["items"] == []


def test_a_campaign_for_an_fpo_that_does_not_exist_is_a_422(api):
    headers = bearer(token_for(make_user("admin")))
    body = {"organization_id": 987654, "text": "Meeting at 5"}
    error = _problem(api.post("/api/notifications/sms/bulk", json=body, headers=headers), 422)
    assert (error["code"], error["field"]) == ("unknown_organization", "organization_id")


def test_an_error_whose_parameter_is_called_key_keeps_its_message(api):
    headers = bearer(token_for(make_user("admin")))
    farmer = person(email="ravi@example.org")  # someone the email would reach, so the template is looked up
    body = {"user_ids": [farmer.id], "category": "payments", "template_key": "no-such-template"}
    error = _problem(api.post("/api/notifications/email/template", json=body, headers=headers), 422)
    assert error["code"] == "template_not_found" and error["details"]["key"] == "no-such-template"


def test_text_with_a_nul_character_is_a_422_on_both_databases(api):
    """PostgreSQL cannot store U+0000 in text: it was a 500 there (and stored on SQLite)."""
    headers = bearer(token_for(make_user("admin")))
    for method, path, kwargs in [
        ("get", "/api/market/listings?crop=On%00ion", {}),
        ("get", "/api/users?search=a%00b", {}),
        ("post", "/api/auth/login", {"json": {"identifier": "98111\u000000000", "password": "x"}}),
        ("post", "/api/notifications/templates", {"json": {"key": "k\u0000ey", "channel": "sms", "body": "hi"}}),
        ("post", "/api/notifications/sms/status", {"data": {"MessageSid": "SM\x001", "MessageStatus": "sent"}}),
        ("get", "/api/market/listings/1%00", {}),
    ]:
        error = _problem(api.request(method, path, headers=headers, **kwargs), 422)
        assert error["code"] == "invalid_request" and error["details"]["reason"] == "nul_character", path


def test_the_text_backslash_u0000_is_ordinary_text(api):
    headers = bearer(token_for(make_user("admin")))
    body = {"key": "escaped.text", "channel": "sms", "body": "C:\\u0000 is only text"}  # backslash, then u0000
    created = api.post("/api/notifications/templates", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["body"] == "C:\\u0000 is only text"


def test_days_at_the_ends_of_the_calendar_are_a_clear_422(api):
    """0001-01-01 in IST is still year 0 in UTC, and 9999-12-31 plus a day does not exist: both were 500s."""
    headers = bearer(token_for(make_user("admin")))
    for path, field in [
        ("/api/payments/history?date_from=0001-01-01", "date_from"),
        ("/api/payments/export.csv?date_to=9999-12-31", "date_to"),
        ("/api/notifications/history?date_to=9999-12-31", "date_to"),
        ("/api/notifications/history?date_from=0001-01-01", "date_from"),
    ]:
        error = _problem(api.get(path, headers=headers), 422)
        assert (error["code"], error["field"]) == ("date_out_of_range", field), path
        assert error["message"] == "Choose a date between 2000 and 2999."
    assert api.get("/api/payments/history?date_from=2026-01-01", headers=headers).status_code == 200


def test_audit_times_without_an_offset_or_past_the_calendar_are_handled(api):
    """A time without an offset was a 500 (naive datetime); one whose UTC form leaves the calendar too."""
    headers = bearer(token_for(make_user("admin")))
    assert api.get("/api/audit?since=2026-01-01T00:00:00", headers=headers).status_code == 200  # read as UTC
    for query in ("since=0001-01-01T00:00:00%2B05:00", "until=9999-12-31T23:59:59-05:00"):
        error = _problem(api.get(f"/api/audit?{query}", headers=headers), 422)
        assert error["code"] == "date_out_of_range", query
