"""/api/voice on both databases: Listen only for items the caller may see (and only those kinds), the audio
itself, limits, spoken and typed commands on the stand-in's fixtures, translated notes, and the alert job's
pre-rendered audio."""

from datetime import date, timedelta

import pytest

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.base import utcnow
from kisaan_app.services import accounts, inbox
from kisaan_app.services.feeds import price_board, weather
from kisaan_app.services.feeds.prices import PriceRecord
from kisaan_app.services.market import bids, listings
from kisaan_app.services.voice import items, speech
from kisaan_app.settings import get_settings
from sandbox import bhashini_fixtures
from tests.factories import META, bearer, make_user
from tests.voice.support import assert_real_speech


def _as(user: User) -> dict[str, str]:
    """A session for the person without a password check (argon2 costs about a second on this loaded machine;
    logging in is tested elsewhere)."""
    with session_scope() as session:
        token, _ = accounts.open_session(session, session.get(User, user.id), "api", META)
    return bearer(token)


def _speaks(user_id: int, language: str, crops: list[str] | None = None) -> None:
    with session_scope() as session:
        user = session.get(User, user_id)
        user.preferred_language = language
        if crops is not None:
            profile = session.exec(
                FarmerProfile.__table__.select().where(FarmerProfile.user_id == user_id)  # type: ignore[attr-defined]
            ).first()
            row = session.get(FarmerProfile, profile.id)
            row.crops = crops
            session.add(row)
        session.add(user)


def _warning(severity: str = "red", district: str = "Nashik", admin: User | None = None):
    admin = admin or make_user("admin")
    now = utcnow()
    with session_scope() as session:
        return weather.issue_alert(
            session,
            accounts.to_principal(admin),
            META,
            district=district,
            state="Maharashtra",
            severity=severity,
            title="Heavy rain",
            message="Very heavy rain tomorrow. Keep the harvest covered.",
            valid_from=now - timedelta(minutes=1),
            valid_until=now + timedelta(hours=6),
            texts={"hi": {"title": "भारी बारिश", "message": "कल बहुत भारी बारिश। फ़सल ढक कर रखें।"}},
            allow_empty=True,
        )


def _onion_price() -> None:
    with session_scope() as session:
        price_board.record_tick(
            session,
            PriceRecord(
                state="Maharashtra",
                district="Nashik",
                market="Lasalgaon",
                commodity="Onion",
                variety="Red",
                grade="FAQ",
                arrival_date=date.today(),
                min_price_paise=170_000,
                max_price_paise=200_000,
                modal_price_paise=185_000,
            ),
        )


@pytest.fixture
def voice_sandbox(db, provider_sandbox):
    """The BHASHINI stand-in answering (error mode off), settings re-read for its port."""
    provider_sandbox.config.provider_faults.pop("bhashini", None)
    get_settings.cache_clear()
    yield provider_sandbox
    provider_sandbox.config.provider_faults.pop("bhashini", None)


def test_listen_to_your_own_inbox_item_and_fetch_the_audio(api):
    farmer, other = make_user("farmer"), make_user("farmer")
    with session_scope() as session:
        mine = inbox.add(session, farmer.id, category="market", title="New offer", body="A buyer offers 1900").id
    ask = {"kind": "inbox", "ref": str(mine)}
    assert api.post("/api/voice/speech", json=ask).status_code == 401
    assert api.post("/api/voice/speech", json=ask, headers=_as(other)).json()["error"]["code"] == "voice_item_not_found"
    status = api.get("/api/voice/status", headers=_as(farmer)).json()
    assert status == {"speech": True, "commands": True, "translation": True, "engine": "espeak"}
    first = api.post("/api/voice/speech", json=ask, headers=_as(farmer))
    assert first.status_code == 200, first.text
    out = first.json()
    assert out["url"] == f"/api/voice/audio/{out['hash']}.opus" and out["language"] == "en"
    assert api.get(out["url"]).status_code == 401  # audio is for signed-in people too
    audio = api.get(out["url"], headers=_as(farmer))
    assert audio.status_code == 200 and audio.headers["content-type"].startswith("audio/ogg")
    assert "immutable" in audio.headers["cache-control"] and "private" in audio.headers["cache-control"]
    assert_real_speech(audio.content)
    assert len(audio.content) == out["bytes"]
    assert api.post("/api/voice/speech", json=ask, headers=_as(farmer)).json()["cached"] is True
    assert api.get("/api/voice/audio/" + "0" * 64 + ".opus", headers=_as(farmer)).status_code == 404
    assert api.get("/api/voice/audio/..%2F..%2Fsecret.opus", headers=_as(farmer)).status_code == 404


def test_a_warning_is_read_in_the_listeners_language_until_it_is_cancelled(api):
    admin = make_user("admin")
    alert_id = _warning(admin=admin).id
    english, hindi = make_user("farmer", district="Nashik"), make_user("farmer", district="Nashik")
    _speaks(hindi.id, "hi")
    ask = {"kind": "weather", "ref": str(alert_id)}
    heard_en = api.post("/api/voice/speech", json=ask, headers=_as(english)).json()
    heard_hi = api.post("/api/voice/speech", json=ask, headers=_as(hindi)).json()
    assert (heard_en["language"], heard_hi["language"]) == ("en", "hi") and heard_en["hash"] != heard_hi["hash"]
    with session_scope() as session:
        words, _ = items.words_for(
            session, accounts.to_principal(session.get(User, hindi.id)), "weather", str(alert_id)
        )
    assert "भारी बारिश" in words and "मौसम चेतावनी" in words
    with session_scope() as session:
        weather.cancel_alert(session, accounts.to_principal(admin), META, alert_id)
    gone = api.post("/api/voice/speech", json=ask, headers=_as(english))
    assert gone.status_code == 404


def test_a_price_row_is_read_by_its_key_and_nothing_else_can_be_read(api):
    _onion_price()
    farmer = make_user("farmer")
    headers = _as(farmer)
    ok = api.post("/api/voice/speech", json={"kind": "price", "ref": "Onion|Lasalgaon|Red"}, headers=headers)
    assert ok.status_code == 200, ok.text
    with session_scope() as session:
        words, _ = items.words_for(session, accounts.to_principal(farmer), "price", "Onion|Lasalgaon|Red")
    assert "1850 rupees per quintal" in words
    for body, status in (
        ({"kind": "price", "ref": "Onion|Nowhere|Red"}, 404),
        ({"kind": "price", "ref": "Onion"}, 422),
        ({"kind": "text", "ref": "read this for free"}, 422),  # arbitrary text is never rendered
        ({"kind": "inbox", "ref": "1 OR 1=1"}, 422),
        ({"kind": "inbox", "ref": "9" * 40}, 422),
        ({"kind": "inbox", "ref": str(2**31)}, 422),  # past the id columns: refused before the driver sees it
        ({"kind": "inbox", "ref": "٣"}, 422),  # a digit, but not one of ours
        ({"kind": "weather", "ref": "x" * 5000}, 422),
    ):
        refused = api.post("/api/voice/speech", json=body, headers=headers)
        assert refused.status_code == status, (body, refused.text)


def test_listen_is_rate_limited_per_person(api, monkeypatch):
    monkeypatch.setenv("KISAAN_VOICE_SPEECH_RATE_PER_USER", "3/minute")
    get_settings.cache_clear()
    _onion_price()
    busy, calm = make_user("farmer"), make_user("farmer")
    ask = {"kind": "price", "ref": "Onion|Lasalgaon|Red"}
    codes = [api.post("/api/voice/speech", json=ask, headers=_as(busy)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api.post("/api/voice/speech", json=ask, headers=_as(calm)).status_code == 200


def test_typed_commands_become_choices_for_the_farmers_crops(api):
    _onion_price()
    farmer = make_user("farmer", district="Nashik")
    _speaks(farmer.id, "hi")
    headers = _as(farmer)
    price = api.post("/api/voice/command", data={"text": "pyaz ka bhav"}, headers=headers).json()
    assert [c["kind"] for c in price["choices"]] == ["price"]
    assert price["choices"][0]["label"] == "प्याज़ का भाव" and "1850" in price["choices"][0]["detail"]
    assert price["choices"][0]["href"] == "/market?crop=Onion&district=Nashik"
    sell = api.post("/api/voice/command", data={"text": "ગઉં વેચ"}, headers=headers).json()  # noqa: RUF001
    weather_choice = api.post("/api/voice/command", data={"text": "मौसम"}, headers=headers).json()
    assert weather_choice["choices"][0]["href"] == "/#weather-alerts"
    assert [c["kind"] for c in sell["choices"]] in (["sell"], [])  # Gujarati spelling may not fold; never wrong
    nothing = api.post("/api/voice/command", data={"text": "hello there"}, headers=headers).json()
    assert nothing["choices"] == []
    assert api.post("/api/voice/command", data={"text": "x" * 201}, headers=headers).status_code == 422
    assert api.post("/api/voice/command", data={}, headers=headers).json()["error"]["code"] == "voice_audio_empty"


def test_spoken_commands_on_the_stand_ins_fixtures(api, voice_sandbox):
    farmer = make_user("farmer", district="Nashik")
    headers = _as(farmer)
    understood = 0
    for fixture in bhashini_fixtures.FIXTURES:
        wav = bhashini_fixtures.fixture_wav(fixture)
        answer = api.post(
            "/api/voice/command", files={"audio": ("command.wav", wav, "audio/wav")}, headers=headers
        ).json()
        assert answer["heard"] == fixture.phrase
        kinds = [c["kind"] for c in answer["choices"]]
        understood += fixture.intent in kinds
    assert understood == len(bhashini_fixtures.FIXTURES)


def test_recordings_are_checked_for_format_size_and_length(api, voice_sandbox, monkeypatch):
    headers = _as(make_user("farmer"))
    long_wav = bhashini_fixtures.espeak_wav("one two three four five six", "en")  # about 2 seconds

    def send(content: bytes, kind: str = "audio/wav"):
        return api.post("/api/voice/command", files={"audio": ("c", content, kind)}, headers=headers)

    assert send(b"not audio", "text/plain").json()["error"]["code"] == "voice_audio_format"
    assert send(b"RIFF garbage").json()["error"]["code"] == "voice_audio_format"
    monkeypatch.setenv("KISAAN_VOICE_COMMAND_MAX_SECONDS", "1")
    get_settings.cache_clear()
    assert send(long_wav).json()["error"]["code"] == "voice_audio_too_long"
    monkeypatch.setenv("KISAAN_VOICE_COMMAND_MAX_KB", "16")
    get_settings.cache_clear()
    assert send(b"\0" * 17 * 1024, "audio/webm").json()["error"]["code"] == "voice_audio_too_large"
    assert send(b"\0" * 200 * 1024, "audio/webm").status_code == 413  # refused unread at the edge
    monkeypatch.delenv("KISAAN_VOICE_COMMAND_MAX_SECONDS")
    monkeypatch.delenv("KISAAN_VOICE_COMMAND_MAX_KB")
    get_settings.cache_clear()
    voice_sandbox.config.provider_faults["bhashini"] = "error"
    failed = send(bhashini_fixtures.fixture_wav(bhashini_fixtures.FIXTURES[0]))
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "voice_provider_failed"


def test_notes_are_translated_for_the_reader_only_when_they_may_see_them(api, voice_sandbox):
    seller = make_user("farmer", district="Nashik")
    buyer, outsider = make_user("buyer"), make_user("buyer")
    _speaks(buyer.id, "hi")
    _speaks(outsider.id, "hi")
    with session_scope() as session:
        listing = listings.create_listing(
            session,
            accounts.to_principal(seller),
            META,
            listings.ListingInput(
                crop="Onion",
                quantity=10,
                unit="quintal",
                price_paise=180_000,
                district="Nashik",
                state="Maharashtra",
                description="Fresh red onions, dried for two weeks.",
            ),
        )
        listing_id = listing.id
        bids.place_bid(session, accounts.to_principal(buyer), META, listing_id, 5, 170_000, "Can you deliver to Pune?")
    with session_scope() as session:
        thread = bids.thread(
            session, accounts.to_principal(buyer), bids.my_bids(session, accounts.to_principal(buyer))[0].id
        )
        offer_id = thread[0].id
    read = api.post("/api/voice/translate", json={"kind": "listing", "id": listing_id}, headers=_as(buyer)).json()
    assert read == {
        "original": "Fresh red onions, dried for two weeks.",
        "text": "ताज़ा लाल प्याज़, दो हफ़्ते सुखाया हुआ।",
        "source": "en",
        "target": "hi",
        "translated": True,
    }
    offer = api.post("/api/voice/translate", json={"kind": "offer", "id": offer_id}, headers=_as(buyer)).json()
    assert offer["translated"] is True  # the buyer reads their own words back in Hindi
    assert (
        api.post("/api/voice/translate", json={"kind": "offer", "id": offer_id}, headers=_as(outsider)).status_code
        == 404
    )
    assert (
        api.post("/api/voice/translate", json={"kind": "offer", "id": offer_id}, headers=_as(seller)).json()[
            "translated"
        ]
        is False
    )
    voice_sandbox.config.provider_faults["bhashini"] = "error"  # the cached translation still answers
    assert (
        api.post("/api/voice/translate", json={"kind": "listing", "id": listing_id}, headers=_as(buyer)).status_code
        == 200
    )
    with session_scope() as session:
        listings.close_listing(session, accounts.to_principal(seller), META, listing_id)
    hidden = api.post("/api/voice/translate", json={"kind": "listing", "id": listing_id}, headers=_as(outsider))
    assert hidden.status_code == 404


def test_the_alert_job_pre_renders_each_recipients_language(db):
    from kisaan_app.tasks.notifications import notify_weather_alert

    english, hindi = make_user("farmer", district="Nashik"), make_user("farmer", district="Nashik")
    _speaks(hindi.id, "hi")
    admin = make_user("admin")
    red, yellow = _warning("red", admin=admin).id, _warning("yellow", admin=admin).id
    notify_weather_alert.call_local(red)
    notify_weather_alert.call_local(yellow)
    with session_scope() as session:
        for person in (english, hindi):
            who = accounts.to_principal(session.get(User, person.id))
            words, language = items.words_for(session, who, "weather", str(red))
            assert speech.speak(words, language).cached is True  # already there before anyone pressed Listen
            words, language = items.words_for(session, who, "weather", str(yellow))
            assert speech.speak(words, language).cached is False  # only red and orange are rendered ahead
