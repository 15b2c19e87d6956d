"""Templates: sandboxed Jinja2, a missing variable is an error naming it, lookups fall back to English."""

import pytest
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.errors import PermissionDenied, ValidationFailed
from kisaan_app.services.notifications import templates
from tests.factories import META, make_user


def test_render_fills_variables_and_keeps_devanagari():
    assert templates.render("{{ name }} जी, गेहूं ₹{{ price }}", {"name": "रमेश", "price": 2275}) == "रमेश जी, गेहूं ₹2275"


def test_a_missing_variable_names_every_missing_one():
    with pytest.raises(ValidationFailed) as err:
        templates.render("Rain in {{ district }} on {{ day }} for {{ name }}", {"name": "x"})
    assert err.value.code == "template_missing_variable"
    assert err.value.field == "day" and err.value.params["name"] == "day, district"


def test_a_missing_attribute_is_an_error_too():
    with pytest.raises(ValidationFailed) as err:
        templates.render("{{ farm.village }}", {"farm": {}})
    assert err.value.code == "template_missing_variable"


def test_the_sandbox_refuses_python_internals():
    with pytest.raises(ValidationFailed) as err:
        templates.render("{{ x.__class__.__mro__[1].__subclasses__() }}", {"x": ""})
    assert err.value.code in ("template_unsafe", "template_missing_variable")


def test_syntax_errors_and_html_escaping():
    with pytest.raises(ValidationFailed) as err:
        templates.render("{{ name ", {"name": "x"})
    assert err.value.code == "template_syntax"
    assert templates.render("<b>{{ name }}</b>", {"name": "<script>"}, html=True) == "<b>&lt;script&gt;</b>"
    assert templates.render("{{ name }}", {"name": "<b>"}) == "<b>"  # SMS text is not HTML


def test_variables_are_read_from_the_body():
    assert templates.variables("{{ b }} {{ a }} {% if c %}{{ d }}{% endif %}") == ["a", "b", "c", "d"]


def _admin():
    return accounts.to_principal(make_user("admin", name="Asha Admin"))


def test_save_finds_and_falls_back_to_english(db):
    admin = _admin()
    with session_scope() as session:
        for channel, language, body in (
            ("sms", "en", "Rain {{ d }}"),
            ("sms", "hi", "बारिश {{ d }}"),
            ("email", "en", "Email rain {{ d }}"),
        ):
            templates.save_template(
                session,
                admin,
                META,
                key="weather.red_alert",
                channel=channel,
                language=language,
                category="weather",
                subject="Alert",
                body=body,
            )
        find = templates.find_template
        assert find(session, "weather.red_alert", "sms", "hi").body == "बारिश {{ d }}"
        assert find(session, "weather.red_alert", "email", "hi").body == "Email rain {{ d }}"  # English fallback
        assert find(session, "weather.red_alert", "in_app", "hi").channel == "sms"  # same language, other channel
        assert find(session, "nope", "sms", "en") is None
        views = templates.list_templates(session, admin)
        assert [(v.channel, v.language, v.variables) for v in views][0] == ("email", "en", ["d"])


def _save(session, actor, **fields):
    spec = {"channel": "sms", "language": "en", "category": "system", "subject": None, **fields}
    return templates.save_template(session, actor, META, **spec)


def test_saving_again_updates_and_only_admins_may(db):
    admin = _admin()
    farmer = accounts.to_principal(make_user("farmer"))
    with session_scope() as session:
        first = _save(session, admin, key="system.announcement", channel="in_app", body="Hi {{ name }}")
        again = _save(session, admin, key="system.announcement", channel="in_app", body="Hello {{ who }}")
        assert again.id == first.id and again.variables == ["who"]
        with pytest.raises(PermissionDenied):
            _save(session, farmer, key="a.b", body="x")
        with pytest.raises(ValidationFailed):
            _save(session, admin, key="bad key!", body="x")


def test_preview_of_a_stored_template(db):
    admin = _admin()
    with session_scope() as session:
        row = _save(
            session,
            admin,
            key="market.bid_received",
            language="hi",
            category="market",
            body="{{ buyer }} ने ₹{{ price }} की बोली लगाई",
        )
        shown = templates.preview(session, admin, template_id=row.id, data={"buyer": "इमरान"})
        assert shown.missing == ["price"] and shown.body.startswith("इमरान ने ₹{{ price }}")
        assert shown.segments == 1


def test_demo_templates_seed_once_and_render_in_both_languages(db):
    from kisaan_app.models.accounts import User
    from kisaan_app.seed import seed_demo, seed_notifications

    with session_scope() as session:
        seed_demo(session)
        added = seed_notifications(session)
        assert added == 3 * 48 and seed_notifications(session) == 0  # 48 texts (event_texts.py) × 3 channels
        farmer = session.exec(select(User).where(User.full_name == "Ramesh Pawar")).one()
        assert farmer.email == "ramesh.pawar@demo.kisaansay.in"
        for key in ("weather.red_alert", "market.bid_received", "payments.received", "system.announcement"):
            for channel in ("in_app", "sms", "email", "push"):
                found = templates.find_template(session, key, channel, "hi")
                assert found.language == "hi"
                sample = dict.fromkeys(found.variables, "1")
                assert templates.render(found.body, sample)
