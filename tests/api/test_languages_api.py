"""The API in every language: a weather warning written in Punjabi and Marathi is stored for those readers, a
language we do not have is refused, and errors come back in the language the reader asked for."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.i18n import t
from kisaan_app.models.feeds import WeatherAlert
from kisaan_app.services.feeds import weather
from tests.factories import bearer, make_user, token_for


def _warning(**texts) -> dict:
    now = datetime.now(UTC)
    return {
        "district": "Ludhiana",
        "state": "Punjab",
        "severity": "orange",
        "title": "Hailstorm",
        "message": "Cover the nursery beds",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=6)).isoformat(),
        "texts": texts or None,
    }


def test_a_warning_written_in_punjabi_and_marathi_reaches_each_reader_in_theirs(api):
    admin = make_user("admin")
    make_user("farmer", district="Ludhiana")
    punjabi = {"title": "ਗੜੇਮਾਰੀ", "message": "ਪਨੀਰੀ ਦੀਆਂ ਕਿਆਰੀਆਂ ਢਕ ਦਿਓ"}
    marathi = {"title": "गारपीट", "message": "रोपवाटिका झाका"}
    res = api.post("/api/weather/alerts", json=_warning(pa=punjabi, mr=marathi), headers=bearer(token_for(admin)))
    assert res.status_code == 201, res.text
    with session_scope() as session:
        stored = session.exec(select(WeatherAlert).where(WeatherAlert.id == res.json()["id"])).one()
        assert weather.text_for(stored, "pa") == (punjabi["title"], punjabi["message"])
        assert weather.text_for(stored, "mr") == (marathi["title"], marathi["message"])
        assert weather.text_for(stored, "hi") == ("Hailstorm", "Cover the nursery beds")  # not written: the first


def test_a_language_we_do_not_have_is_refused_in_the_readers_language(api):
    admin = make_user("admin")
    make_user("farmer", district="Ludhiana")
    headers = {**bearer(token_for(admin)), "Accept-Language": "pa-IN,en;q=0.5"}
    text = {"title": "Hailstorm", "message": "Cover the nursery beds"}
    res = api.post("/api/weather/alerts", json=_warning(kn=text), headers=headers)
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "invalid_language"
    assert res.json()["error"]["message"] == t("pa", "error.invalid_language")
    huge = {f"l{i}": text for i in range(40)}  # a body naming dozens of languages stops at the schema
    assert api.post("/api/weather/alerts", json=_warning(**huge), headers=headers).status_code == 422


def test_the_offline_copy_names_crops_and_places_in_the_readers_language(api):
    farmer = make_user("farmer", district="Nashik")
    headers = bearer(token_for(farmer))
    profile = {"preferred_language": "pa", "crops": ["Onion", "ਕਣਕ"], "state": "Maharashtra"}
    assert api.patch("/api/users/me", json=profile, headers=headers).status_code == 200
    copy = api.get("/api/offline/copy", headers=headers).json()
    assert copy["language"] == "pa" and copy["crops"] == ["Onion", "Wheat"]  # stored by key, typed in any script
    assert copy["names"] == {"Onion": "ਪਿਆਜ਼", "Wheat": "ਕਣਕ", "Nashik": "ਨਾਸਿਕ", "Maharashtra": "ਮਹਾਰਾਸ਼ਟਰ"}
    assert copy["words"]["prices"] == t("pa", "offline.prices")
