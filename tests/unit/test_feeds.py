"""Mandi price import and queries, weather warnings and crop-health reports (SQLite and PostgreSQL)."""

import io
from datetime import date, timedelta

import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import MandiPrice
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import ALL, managers_target, user_target
from kisaan_app.services import accounts, crop_health
from kisaan_app.services.errors import PermissionDenied, ValidationFailed
from kisaan_app.services.feeds import price_board, prices, weather
from kisaan_app.services.feeds.prices import PriceRecord
from tests.factories import META, make_org, make_user

HEADER = (
    "State,District,Market,Commodity,Variety,Grade,Arrival_Date,Min_x0020_Price,Max_x0020_Price,Modal_x0020_Price\n"
)


def _csv(*rows: str) -> io.StringIO:
    return io.StringIO(HEADER + "".join(r + "\n" for r in rows))


def test_import_reports_bad_rows_by_line_and_writes_only_good_ones(db):
    day = date.today().strftime("%d/%m/%Y")
    future = (date.today() + timedelta(days=5)).strftime("%d/%m/%Y")
    source = _csv(
        f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{day},2000,2600,2400.505",  # line 2: good, decimals
        f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{day},2700,2600,2400",  # 3: min > modal
        f",Nashik,Lasalgaon,Onion,Red,FAQ,{day},1,2,3",  # 4: no state
        "Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,31/02/2026,1,2,3",  # 5: no such date
        f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{day},1,2,abc",  # 6: not a number
        f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{future},1,3,2",  # 7: future
        "",  # blank lines are ignored
        f"Maharashtra,Pune,Pune,Potato,,,{day},1500,1900,1700",  # 9: good, defaults for variety/grade
    )
    with session_scope() as session:
        report = prices.import_csv(session, source)
    assert (report.inserted, report.updated) == (2, 0)
    assert [(e.line, e.message.split(":")[0]) for e in report.skipped] == [
        (3, "prices must satisfy min ≤ modal ≤ max"),
        (4, "missing state"),
        (5, "arrival_date '31/02/2026' is not dd/mm/yyyy"),
        (6, "modal_price is not a number"),
        (7, "arrival_date is in the future"),
    ]
    with session_scope() as session:
        rows = {r.market: r for r in session.exec(select(MandiPrice)).all()}
    assert rows["Lasalgaon"].modal_price_paise == 240051  # rupees → paise, half up
    assert (rows["Pune"].variety, rows["Pune"].grade) == ("Other", "FAQ")

    with session_scope() as session:  # the same file again updates, never duplicates
        again = prices.import_csv(session, _csv(f"Maharashtra,Nashik,Lasalgaon,Onion,Red,FAQ,{day},2000,2600,2500"))
    assert (again.inserted, again.updated) == (0, 1)


def test_a_file_without_required_columns_writes_nothing(db):
    with session_scope() as session, pytest.raises(ValidationFailed) as err:
        prices.import_csv(session, io.StringIO("State,District,Market\nMaharashtra,Nashik,Lasalgaon\n"))
    assert err.value.code == "csv_missing_columns" and "commodity" in err.value.params["columns"]
    with session_scope() as session:
        assert session.exec(select(MandiPrice)).first() is None


def test_sample_is_shifted_to_end_today_and_feeds_the_board(db):
    with session_scope() as session:
        report = prices.import_sample(session, today=date.today())
    assert report.inserted > 1000 and not report.skipped
    with session_scope() as session:
        rows = price_board.latest_prices(session, ["Onion", "Tomato"], "Nashik", "Maharashtra")
        trend = price_board.price_trend(session, "Onion", "Nashik", "Maharashtra", days=30)
    assert rows and rows[0].district == "Nashik" and rows[0].arrival_date == date.today()
    assert all(r.commodity in ("Onion", "Tomato") for r in rows)
    assert {r.direction for r in rows} <= {"up", "down", "same"}
    assert 20 <= len(trend) <= 31 and trend[-1].date == date.today()


def test_change_and_direction_come_from_the_previous_trading_day(db):
    today, before = date.today(), date.today() - timedelta(days=3)
    with session_scope() as session:
        for day, modal in ((before, 200000), (today, 210000)):
            record = PriceRecord(
                "Maharashtra", "Nashik", "Lasalgaon", "Onion", "Red", "FAQ", day, modal - 100, modal + 100, modal
            )
            price_board.record_tick(session, record)
    with session_scope() as session:
        [row] = price_board.latest_prices(session, ["onion"], "nashik", None)
        events = session.exec(select(RealTimeEvent)).all()
    assert (row.modal_price_paise, row.change_paise, row.direction) == (210000, 10000, "up")
    assert [e.target for e in events] == [ALL, ALL] and events[-1].payload["change_paise"] == 10000


def _principal(user):
    return accounts.to_principal(user)


def test_weather_alert_reaches_only_that_districts_farmers(db):
    nashik_org = make_org("Nashik FPO")
    ramesh = make_user("farmer", district="Nashik", org_id=nashik_org)
    other_nashik = make_user("farmer", district="nashik")  # case does not matter
    savita = make_user("farmer", district="Pune")
    admin = make_user("admin")
    now = weather.utcnow()
    with session_scope() as session:
        alert = weather.issue_alert(
            session,
            _principal(admin),
            META,
            district="Nashik",
            state="Maharashtra",
            severity="red",
            title="Heavy rain",
            message="Move harvest under cover",
            valid_from=now,
            valid_until=now + timedelta(hours=6),
        )
    with session_scope() as session:
        weather_events = session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == "weather")).all()
        assert sorted(e.target for e in weather_events) == sorted(
            [user_target(ramesh.id), user_target(other_nashik.id)]
        )
        inbox_rows = session.exec(select(NotificationHistory)).all()
        assert {r.user_id for r in inbox_rows} == {ramesh.id, other_nashik.id} and all(
            r.is_critical for r in inbox_rows
        )
        assert [a.id for a in weather.active_alerts(session, "NASHIK")] == [alert.id]
        assert weather.active_alerts(session, "Pune") == []
        assert savita.id not in {r.user_id for r in inbox_rows}


def test_weather_alert_rules(db):
    org_a, org_b = make_org("FPO A"), make_org("FPO B")
    make_user("farmer", district="Nashik", org_id=org_a)
    fpo_b_admin, farmer = make_user("org_admin", org_id=org_b), make_user("farmer", district="Nashik")
    admin = make_user("admin")
    now = weather.utcnow()
    good = dict(
        district="Nashik",
        state="MH",
        severity="orange",
        title="Hail",
        message="Cover nurseries",
        valid_from=now,
        valid_until=now + timedelta(hours=3),
    )
    with session_scope() as session:
        with pytest.raises(PermissionDenied):
            weather.issue_alert(session, _principal(farmer), META, **good)
        with pytest.raises(PermissionDenied):  # FPO B has no farmers in Nashik
            weather.issue_alert(session, _principal(fpo_b_admin), META, **good)
        for change, code in (
            ({"severity": "purple"}, "alert_severity"),
            ({"title": "x"}, "alert_title"),
            ({"valid_until": now - timedelta(minutes=1)}, "alert_validity"),
            ({"district": " "}, "alert_district_required"),
        ):
            with pytest.raises(ValidationFailed) as err:
                weather.issue_alert(session, _principal(admin), META, **(good | change))
            assert err.value.code == code
        alert = weather.issue_alert(session, _principal(admin), META, **good)
    with session_scope() as session:
        weather.cancel_alert(session, _principal(admin), META, alert.id)
    with session_scope() as session:
        assert weather.active_alerts(session, "Nashik") == []


def test_crop_health_report_goes_to_farmer_and_their_fpo(db):
    org = make_org("Nashik FPO")
    farmer, buyer = make_user("farmer", org_id=org), make_user("buyer")
    with session_scope() as session:
        report = crop_health.report_issue(
            session, _principal(farmer), META, crop="Onion", issue_type="pest", note="Thrips on leaves"
        )
        with pytest.raises(ValidationFailed):
            crop_health.report_issue(session, _principal(farmer), META, crop="Onion", issue_type="aliens")
        with pytest.raises(PermissionDenied):
            crop_health.report_issue(session, _principal(buyer), META, crop="Onion", issue_type="pest")
    with session_scope() as session:
        targets = sorted(e.target for e in session.exec(select(RealTimeEvent)).all())
        assert targets == sorted([user_target(farmer.id), managers_target(org)])
        assert [r.id for r in crop_health.recent_reports(session, _principal(farmer))] == [report.id]
        assert crop_health.recent_reports(session, _principal(buyer)) == []
