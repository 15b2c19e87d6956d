"""Custom reports: figures equal the orders they come from, an FPO sees only its own, a scheduled report is
emailed (real SMTP to the stand-in) once per period however often the job runs, hostile input gets a clear
error (both databases)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.enums import OrderStatus, PaymentStatus
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.models.payments import Payment
from kisaan_app.models.reports import SavedReportSend
from kisaan_app.services.custom_reports import schedule
from kisaan_app.services.notifications.delivery import deliver_due
from tests.factories import bearer, make_org, make_user, token_for
from tests.notifications_support import person
from tests.payments_support import make_order

NOV = datetime(2026, 11, 12, 6, 0, tzinfo=UTC)
NOVEMBER = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}
URL = "/api/reports/custom"


def _order(buyer, farmer, amount: int, at: datetime, crop: str, unit: str = "quintal", qty: float = 10, **kw) -> int:
    order_id = make_order(buyer.id, farmer.id, amount)
    with session_scope() as session:
        order = session.get(MarketOrder, order_id)
        order.created_at, order.unit, order.quantity = at, unit, qty
        order.status = kw.get("status", OrderStatus.PAID)
        session.get(Listing, order.listing_id).crop = crop
        if kw.get("paid_by"):
            session.add(
                Payment(
                    payer_id=buyer.id,
                    organization_id=order.organization_id,
                    purpose="market_order",
                    market_order_id=order_id,
                    amount_paise=amount,
                    status=PaymentStatus.CAPTURED,
                    receipt=f"rcpt_cr{order_id}",
                    method=kw["paid_by"],
                    captured_at=at,
                )
            )
    return order_id


@pytest.fixture
def fpos(db):
    """Two FPOs' November sales (and one October sale that a November report must leave out)."""
    a, b = make_org("Sahyadri FPO"), make_org("Vidarbha FPO")
    buyer = make_user("buyer")
    ram, sita = make_user("farmer", org_id=a, name="Ram"), make_user("farmer", org_id=a, name="Sita")
    other = make_user("farmer", org_id=b, name="Other")
    _order(buyer, ram, 250_000, NOV, "Onion", paid_by="upi")
    _order(buyer, ram, 100_000, NOV + timedelta(days=2), "Onion", unit="kg", qty=500, paid_by="card")
    _order(buyer, sita, 80_000, NOV + timedelta(days=3), "Wheat", unit="tonne", qty=2, paid_by="upi")
    _order(buyer, sita, 60_000, NOV + timedelta(days=4), "Wheat", status=OrderStatus.CANCELLED)
    _order(buyer, ram, 999_000, NOV - timedelta(days=30), "Onion")  # October
    _order(buyer, other, 777_000, NOV, "Onion", paid_by="upi")  # the other FPO
    admin_a = make_user("org_admin", org_id=a)
    admin_b = make_user("org_admin", org_id=b)
    return {"a": a, "b": b, "admin_a": admin_a, "admin_b": admin_b, "buyer": buyer, "ram": ram, "sita": sita}


def _h(user) -> dict[str, str]:
    return bearer(token_for(user))


def _rows(result: dict) -> dict[tuple[str, ...], float]:
    return {tuple(r["labels"]): r["value"] for r in result["rows"]}


def test_figures_equal_the_orders_they_come_from_and_stay_in_the_fpo(fpos, api):
    h = _h(fpos["admin_a"])
    by_crop = api.post(f"{URL}/preview", json={"measure": "order_value", "dimensions": ["crop"], **NOVEMBER}, headers=h)
    assert by_crop.status_code == 200, by_crop.text
    body = by_crop.json()
    # Onion: 2,500 + 1,000 (not the other FPO's 7,770, not October's); Wheat: 800 (the cancelled 600 sold nothing)
    assert _rows(body) == {("Onion",): 350_000, ("Wheat",): 80_000}
    assert body["total"] == 430_000 and body["kind"] == "money"
    with session_scope() as session:  # the same sum straight from the orders
        direct = session.exec(
            select(func.sum(MarketOrder.amount_paise)).where(
                MarketOrder.organization_id == fpos["a"],
                MarketOrder.status != OrderStatus.CANCELLED,
                MarketOrder.created_at >= datetime(2026, 10, 31, 18, 30, tzinfo=UTC),
                MarketOrder.created_at < datetime(2026, 11, 30, 18, 30, tzinfo=UTC),
            )
        ).one()
    assert body["total"] == direct

    quantity = api.post(f"{URL}/preview", json={"measure": "quantity", "dimensions": ["member"], **NOVEMBER}, headers=h)
    assert _rows(quantity.json()) == {("Ram",): 15.0, ("Sita",): 20.0}  # 10 q + 500 kg; 2 tonnes

    paid = api.post(
        f"{URL}/preview",
        json={"measure": "payments_captured", "dimensions": ["channel", "month"], **NOVEMBER},
        headers=h,
    ).json()
    assert _rows(paid) == {("upi", "2026-11"): 330_000, ("card", "2026-11"): 100_000}

    counted = api.post(
        f"{URL}/preview",
        json={"measure": "order_count", "filters": {"crop": ["  onion "]}, **NOVEMBER},
        headers=h,
    ).json()
    assert counted["total"] == 2 and counted["rows"] == []

    everyone = api.post(f"{URL}/preview", json={"measure": "order_value", **NOVEMBER}, headers=_h(make_user("admin")))
    assert everyone.json()["total"] == 430_000 + 777_000


def test_saved_report_runs_and_another_fpo_cannot_touch_it(fpos, api):
    h = _h(fpos["admin_a"])
    body = {"name": "Board: monthly sales", "measure": "order_value", "dimensions": ["crop"], **NOVEMBER}
    made = api.post(URL, json=body, headers=h)
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    again = api.post(URL, json=body, headers=h)
    assert again.status_code == 422 and again.json()["error"]["code"] == "custom_report_name_taken"
    run = api.get(f"{URL}/{report_id}", headers=h).json()
    assert _rows(run["result"]) == {("Onion",): 350_000, ("Wheat",): 80_000}
    colleague = make_user("org_admin", org_id=fpos["a"])  # the same FPO's other admin shares it
    assert api.get(f"{URL}/{report_id}", headers=_h(colleague)).status_code == 200

    hb = _h(fpos["admin_b"])
    assert api.get(URL, headers=hb).json() == []
    assert api.get(f"{URL}/{report_id}", headers=hb).status_code == 404
    assert api.put(f"{URL}/{report_id}/schedule", json={"schedule": "daily"}, headers=hb).status_code == 404
    assert api.delete(f"{URL}/{report_id}", headers=hb).status_code == 404
    for outsider in (fpos["ram"], fpos["buyer"]):
        assert api.get(f"{URL}/{report_id}", headers=_h(outsider)).status_code == 403
        assert api.post(f"{URL}/preview", json={"measure": "order_value"}, headers=_h(outsider)).status_code == 403
    assert api.get(URL).status_code == 401
    assert api.put(f"{URL}/{report_id}/schedule", json={"schedule": "hourly"}, headers=h).status_code == 422
    assert api.put(f"{URL}/{report_id}/schedule", json={"schedule": "monthly"}, headers=h).json()["schedule"] == (
        "monthly"
    )
    assert api.delete(f"{URL}/{report_id}", headers=h).status_code == 204
    assert api.get(f"{URL}/{report_id}", headers=h).status_code == 404


HOSTILE = [
    ({"measure": "amount_paise) FROM payment; --"}, "custom_report_measure_unknown"),
    ({"measure": "order_value", "dimensions": ["crop", "month", "member"]}, "custom_report_dimensions"),
    ({"measure": "order_value", "dimensions": ["crop", "crop"]}, "custom_report_dimensions"),
    ({"measure": "order_value", "dimensions": ["channel"]}, "custom_report_dimension_unknown"),
    ({"measure": "order_value", "dimensions": ["listing.crop"]}, "custom_report_dimension_unknown"),
    ({"measure": "order_value", "filters": {"1=1 OR crop": ["x"]}}, "custom_report_filter_unknown"),
    ({"measure": "order_value", "filters": {"crop": [f"c{i}" for i in range(51)]}}, "custom_report_filters_too_many"),
    ({"measure": "order_value", "filters": {"member": ["1 OR 1=1"]}}, "custom_report_filter_unknown"),
    ({"measure": "order_value", "filters": {"status": ["paid'; DROP TABLE x"]}}, "custom_report_filter_unknown"),
    ({"measure": "order_value", "filters": {"crop": ["on\u0000ion"]}}, "invalid_request"),  # the edge's NUL check
    ({"measure": "order_value", "period": "forever"}, "custom_report_period"),
    (
        {"measure": "order_value", "period": "custom", "date_from": "2020-01-01", "date_to": "2026-01-01"},
        "custom_report_period",
    ),
    ({"measure": "order_value", "filters": {"crop": ["x"] * 5000}}, "invalid_request"),
]


def test_hostile_input_gets_a_clear_error(db, api):
    headers = {**_h(make_user("org_admin", org_id=make_org("Hostile FPO"))), "Accept-Language": "hi"}
    for body, code in HOSTILE:
        res = api.post(f"{URL}/preview", json=body, headers=headers)
        assert res.status_code == 422, (body, res.text)
        error = res.json()["error"]
        assert error["code"] == code, (body, error)
        assert error["message"] and "error." not in error["message"]
    # A lone surrogate (valid JSON, not encodable as UTF-8) never reaches the database driver (pydantic refuses
    # it here; spec.storable refuses it from the page's form).
    raw = b'{"measure": "order_value", "filters": {"district": ["\\ud800"]}}'
    lone = api.post(f"{URL}/preview", content=raw, headers={**headers, "Content-Type": "application/json"})
    assert lone.status_code == 422 and lone.json()["error"]["code"] == "invalid_request", lone.text
    saved = api.post(URL, json={"name": "x" * 121, "measure": "order_value"}, headers=headers)
    assert saved.json()["error"]["code"] == "custom_report_name"


def test_scheduled_report_is_emailed_once_per_period(fpos, api, messaging):
    owner = person(role="org_admin", org_id=fpos["a"], email="board@sahyadri.example")
    h = _h(owner)
    body = {"name": "Board statement", "measure": "order_value", "dimensions": ["crop"], "schedule": "monthly"}
    report_id = api.post(URL, json={**body, "period": "last_month"}, headers=h).json()["id"]
    december = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    with session_scope() as session:
        assert schedule.send_one(session, report_id, december) is True
    with session_scope() as session:  # the job again, same period: nothing new
        assert schedule.send_one(session, report_id, december) is False
    assert schedule.send_due(session_scope, december + timedelta(hours=5)) == 0
    assert deliver_due() == {"sent": 1}
    (mail,) = [r.detail for r in messaging.outbox.list("smtp", "email")]
    assert mail["to"] == ["board@sahyadri.example"] or "board@sahyadri.example" in str(mail["to"])
    assert "Board statement" in mail["subject"] and "Nov 2026" in mail["subject"]
    assert "Onion: ₹3,500" in mail["text"] and "Wheat: ₹800" in mail["text"] and "Total: ₹4,300" in mail["text"]
    assert "₹7,770" not in mail["text"]  # the other FPO's sale
    with session_scope() as session:
        sends = session.exec(select(SavedReportSend).where(SavedReportSend.report_id == report_id)).all()
    assert [(s.period_key, s.deliveries) for s in sends] == [("2026-11", 1)]
    # Next month's run sends December's once.
    assert schedule.send_due(session_scope, datetime(2027, 1, 1, 2, 0, tzinfo=UTC)) == 1
    assert schedule.send_due(session_scope, datetime(2027, 1, 2, 2, 0, tzinfo=UTC)) == 0


def test_due_periods():
    now = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # Tuesday 8 Dec, 01:30 IST
    assert schedule.due_period("daily", now)[0] == "2026-12-07"
    key, first, last = schedule.due_period("weekly", now)
    assert key == "2026-W49" and first.isoformat() == "2026-11-30" and last.isoformat() == "2026-12-06"
    assert schedule.due_period("monthly", now)[1:] == (datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())


def test_the_page_path_refuses_text_a_database_cannot_store():
    from kisaan_app.services.custom_reports.spec import checked
    from kisaan_app.services.errors import ValidationFailed

    for bad in ("on\x00ion", "\ud800", "tab\there"):
        with pytest.raises(ValidationFailed) as refused:
            checked("order_value", [], {"crop": [bad]}, "last_30_days")
        assert refused.value.code == "custom_report_filter_unknown"


def test_two_workers_at_once_send_a_period_once(fpos, api):
    """The job running in two workers at the same moment: the unique (report, period) row lets one through."""
    import threading

    from kisaan_app.models.notifications import NotificationHistory

    owner = person(role="org_admin", org_id=fpos["a"], email="race@sahyadri.example")
    body = {"name": "Race", "measure": "order_count", "period": "last_month", "schedule": "weekly"}
    report_id = api.post(URL, json=body, headers=_h(owner)).json()["id"]
    now, start = datetime(2026, 12, 9, 4, 0, tzinfo=UTC), threading.Barrier(2)
    sent: list[bool] = []

    def worker() -> None:
        start.wait()
        with session_scope() as session:
            sent.append(schedule.send_one(session, report_id, now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [False, True]
    with session_scope() as session:
        sends = session.exec(select(SavedReportSend).where(SavedReportSend.report_id == report_id)).all()
        emails = session.exec(
            select(NotificationHistory).where(NotificationHistory.recipient == "race@sahyadri.example")
        ).all()
    assert [s.period_key for s in sends] == ["2026-W49"] and len(emails) == 1


@pytest.mark.parametrize("change", ["moved_fpo", "demoted"])
def test_an_owner_who_left_the_fpo_or_the_role_gets_no_more_of_its_figures(fpos, api, change):
    from kisaan_app.models.accounts import User
    from kisaan_app.models.notifications import NotificationHistory

    owner = person(role="org_admin", org_id=fpos["a"], email="gone@sahyadri.example")
    body = {"name": "Leaver", "measure": "order_value", "period": "last_month", "schedule": "monthly"}
    report_id = api.post(URL, json=body, headers=_h(owner)).json()["id"]
    with session_scope() as session:
        user = session.get(User, owner.id)
        if change == "moved_fpo":
            user.organization_id = fpos["b"]
        else:
            user.role = "farmer"
    with session_scope() as session:
        schedule.send_one(session, report_id, datetime(2026, 12, 3, 4, 0, tzinfo=UTC))
    with session_scope() as session:
        told = session.exec(
            select(func.count()).select_from(NotificationHistory).where(NotificationHistory.user_id == owner.id)
        ).one()
    assert told == 0
