"""The replies themselves, on both databases: prices near the farmer, the farmer's own crops, an unknown crop,
nothing to report, and the reach of a weather warning leaving out a number that texted STOP."""

from datetime import timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.services.accounts import to_principal
from kisaan_app.services.feeds import weather
from kisaan_app.services.feeds.price_alerts import today_in_india
from kisaan_app.services.feeds.prices import PriceRecord, upsert
from kisaan_app.services.notifications.sms_consent import set_consent
from kisaan_app.services.sms_commands import answers
from kisaan_app.services.sms_commands.keywords import parse
from tests.factories import make_user


def _sender(session, user: User, lang: str, crops: list[str]) -> answers.Sender:
    profile = session.exec(select(FarmerProfile).where(FarmerProfile.user_id == user.id)).one()
    profile.crops = crops
    session.add(profile)
    return answers.Sender(session.get(User, user.id), profile, lang)


def test_price_replies_use_the_farmers_crops_and_say_when_there_is_nothing(db):
    user = make_user("farmer", district="Nashik")
    day = today_in_india() - timedelta(days=2)
    with session_scope() as session:
        upsert(
            session,
            PriceRecord("Maharashtra", "Nashik", "Lasalgaon", "Tomato", "Local", "FAQ", day, 900_00, 1300_00, 1100_00),
        )
        sender = _sender(session, user, "en", ["Tomato", "Grapes", "Onion"])
        today = today_in_india()
        # "PRICE" alone: the first two of the farmer's crops; one has a price, the other says it has none.
        both = answers.answer(session, parse("PRICE"), sender, today)
        assert both.startswith("Tomato, Rs/quintal:\nLasalgaon ") and "Rs 1,100 (900-1,300)" in both
        assert both.endswith("No Grapes price in the last 30 days.")
        assert answers.answer(session, parse("price mango-ish"), sender, today) == (
            'Crop "mango-ish" not known. Send e.g. PRICE ONION.'
        )
        hindi = answers.answer(session, parse("टमाटर"), _sender(session, user, "hi", []), today)
        assert hindi.startswith("टमाटर ₹/क्विंटल:") and "₹1,100" in hindi
        assert answers.answer(session, parse("PRICE"), _sender(session, user, "en", []), today) == (
            "Which crop? Send e.g. PRICE ONION."
        )
        assert answers.answer(session, parse("ALERTS"), sender, today) == "No warnings for Nashik now."


def test_a_warning_preview_counts_a_stopped_number_out_of_sms(db):
    admin = make_user("admin")
    farmers = [make_user("farmer", district="Nashik") for _ in range(2)]
    with session_scope() as session:
        set_consent(session, farmers[0].phone, opted_out=True, keyword="बंद", user_id=farmers[0].id)
    with session_scope() as session:
        reach = weather.warning_reach(session, to_principal(session.get(User, admin.id)), "Nashik", "red")
    assert reach.farmers == 2 and reach.channels["sms"] == 1 and reach.channels["in_app"] == 2
