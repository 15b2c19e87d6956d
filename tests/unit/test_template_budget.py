"""Templates on a budget: free text is never Jinja; stored templates render in the sandbox within a size and
time budget, and a hostile one is a clear ValidationFailed in well under a second, not a hang or MemoryError."""

import time

import pytest

from kisaan_app.db import session_scope
from kisaan_app.services import accounts
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.notifications import Audience, campaigns, notify, templates
from kisaan_app.services.notifications.template_budget import RENDER_SECONDS
from tests.notifications_support import person, rows

HOSTILE = [
    ("{{ 'x' * 10**9 }}", "template_too_large"),
    ("{{ [0] * 10**9 }}", "template_too_large"),
    ("{% for i in range(10**9) %}x{% endfor %}", "template_too_large"),
    ("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "template_too_slow"),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "template_too_large",
    ),
    ("{{ 'x'|center(10**9) }}", "template_too_large"),
    ("{{ 'x'.rjust(10**9) }}", "template_too_large"),
    ("{{ '%0999999999d' % 1 }}", "template_too_large"),
    ("{{ '{:>999999999}'.format(1) }}", "template_too_large"),
    ("{{ ('x' * 20000).replace('x', 'x' * 20000) }}", "template_too_large"),
    ("{{ [1, 2]|slice(10**9)|list }}", "template_too_large"),
    ("{{ 'ab'|indent(10**9) }}", "template_too_large"),
    ("{{ 99 ** 99 ** 99 }}", "template_too_large"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "template_too_large"),
    ("{% set xs = [1] %}{{ xs.append(2) }}", "template_unsafe"),
    ("{{ ''.__class__.__mro__ }}", "template_unsafe"),
    ("{{ 1 / 0 }}", "template_error"),
]


@pytest.mark.parametrize(("body", "code"), HOSTILE)
def test_a_hostile_template_is_refused_quickly_with_a_clear_code(body, code):
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as err:
        templates.render(body, {})
    assert err.value.code == code
    assert time.monotonic() - started < RENDER_SECONDS + 1.5


def test_output_is_capped_per_channel():
    body = "{% for i in range(900) %}ab{% endfor %}"  # 1,800 characters
    assert len(templates.render(body, {})) == 1800  # fine for email
    with pytest.raises(ValidationFailed) as err:
        templates.render(body, {}, max_chars=templates.MAX_CHARS["sms"])
    assert (err.value.code, err.value.params["limit"]) == ("template_too_large", 1600)


def test_real_templates_still_render():
    body = "Namaste {{ name|title }}, {{ crop }}: ₹{{ '%d'|format(price) }}/qtl{% for d in days %} {{ d }}{% endfor %}"
    out = templates.render(body, {"name": "ramesh", "crop": "प्याज", "price": 215000, "days": ["Mon", "Tue"]})
    assert out == "Namaste Ramesh, प्याज: ₹215000/qtl Mon Tue"
    assert templates.render("{{ x ~ '!' }} {{ 10 ** 3 }} {{ 'ab' * 3 }}", {"x": "a"}) == "a! 1000 ababab"
    assert templates.render("<b>{{ x ~ '&' }}</b>", {"x": "<i>"}, html=True) == "<b>&lt;i&gt;&amp;</b>"


def test_a_stored_sms_template_that_renders_too_long_is_refused_before_anything_is_written(db):
    admin = accounts.to_principal(person(role="admin", email="boss@example.in"))
    farmer = person(phone="+919812300001")
    with session_scope() as session:
        templates.save_template(
            session,
            admin,
            None,
            key="long.one",
            channel="sms",
            language="en",
            category="payments",
            subject=None,
            body="{% for i in range(1000) %}xx{% endfor %}",
        )
    with pytest.raises(ValidationFailed) as err:
        with session_scope() as session:
            notify(
                session,
                admin,
                Audience(user_ids=(farmer.id,), role=""),
                "payments",
                template_key="long.one",
                channels=["sms"],
            )
    assert err.value.code == "template_too_large" and rows(channel="sms") == []


# --- free text is plain text ------------------------------------------------------------------------------------


def test_free_text_is_never_jinja_only_plain_placeholders_are_filled(db):
    farmer = person(phone="+919812300002")
    text = "{{ 7*7 }} {% for i in range(3) %}x{% endfor %} {{ ''.__class__ }} Namaste {{ name }}"
    with session_scope() as session:
        notify(
            session,
            None,
            Audience(user_ids=(farmer.id,), role=""),
            "payments",
            subject="{{ 6*7 }} news",
            text=text,
            channels=["in_app", "sms"],
        )
    expected = "{{ 7*7 }} {% for i in range(3) %}x{% endfor %} {{ ''.__class__ }} Namaste " + farmer.full_name
    assert {r.channel: r.body for r in rows()} == {"in_app": expected, "sms": expected}
    assert rows(channel="sms")[0].subject == "{{ 6*7 }} news"


def test_a_bulk_message_typed_by_an_admin_stays_literal(db):
    admin = accounts.to_principal(person(role="admin", email="boss@example.in"))
    farmer = person(district="Nashik")
    with session_scope() as session:
        started = campaigns.start_campaign(
            session,
            admin,
            None,
            audience=Audience(district="Nashik"),
            channels=["in_app"],
            category="system",
            template_key=None,
            subject="Hello",
            text="{{ 'x' * 10**9 }} for {{ name }}",
        )
    campaigns.write_deliveries(started.id)  # the job's body, run here
    (inbox_row,) = [r for r in rows(channel="in_app") if r.user_id == farmer.id]
    assert inbox_row.body == "{{ 'x' * 10**9 }} for " + farmer.full_name


def test_the_free_text_preview_is_plain_too(db):
    admin = accounts.to_principal(person(role="admin", email="boss@example.in"))
    with session_scope() as session:
        shown = templates.preview(
            session, admin, body="{{ 7*7 }} hi {{ name }} {{ crop }}", data={"name": "Sita"}, plain=True
        )
        as_template = templates.preview(session, admin, body="{{ 7*7 }} hi {{ name }}", data={"name": "Sita"})
    assert (shown.body, shown.missing) == ("{{ 7*7 }} hi Sita {{ crop }}", ["crop"])
    assert as_template.body == "49 hi Sita"  # a template draft is a template


def test_a_missing_placeholder_in_free_text_is_still_named():
    with pytest.raises(ValidationFailed) as err:
        templates.fill_text("Rain {{ rain_mm }} mm at {{ hour }}", {"hour": 5})
    assert (err.value.code, err.value.params["name"]) == ("template_missing_variable", "rain_mm")
