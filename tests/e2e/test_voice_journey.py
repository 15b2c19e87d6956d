"""Voice in the browser: a farmer taps Listen on a mandi price and real Opus audio plays; types "pyaz ka bhav"
and gets a tappable Onion price; holds the microphone (Chromium's fake device) and the recording reaches the
BHASHINI stand-in; a buyer translates a Hindi listing note and taps back to the original."""

import wave
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.asyncio_thread import run_in_thread
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, screenshot
from tests.e2e.test_accounts_journey import login

pytestmark = pytest.mark.e2e

RAMESH, IMRAN = ("9800000003", "Farmer@123"), ("9800000005", "Buyer@1234")
NOTE_HI = "ताज़ा लाल प्याज़, दो हफ़्ते सुखाया हुआ।"  # the stand-in knows this sentence's English
LISTING = f"""
from sqlmodel import select
from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from datetime import timedelta
import kisaan_app.tasks  # registers the jobs a warning enqueues
from kisaan_app.models.base import utcnow
from kisaan_app.services import accounts, inbox
from kisaan_app.services.feeds import weather
from kisaan_app.services.market import listings
with session_scope() as s:
    farmer = s.exec(select(User).where(User.phone == "+919800000003")).one()
    data = listings.ListingInput(crop="Onion", quantity=12, unit="quintal", price_paise=190000, district="Nashik",
                                 state="Maharashtra", description={NOTE_HI!r})
    print(listings.create_listing(s, accounts.to_principal(farmer), None, data).id)
    inbox.add(s, farmer.id, category="market", title="New offer on your onions", body="A buyer offers 2,000 a quintal")
    admin = accounts.to_principal(s.exec(select(User).where(User.phone == "+919800000001")).one())
    now = utcnow()
    wind = dict(title="Gusty wind", message="Strong wind this afternoon; tie down shade nets.")
    weather.issue_alert(s, admin, None, district="Nashik", state="Maharashtra", severity="yellow", **wind,
                        valid_from=now, valid_until=now + timedelta(minutes=15))
"""


def _tone(path: Path) -> Path:
    """A second of a 440 Hz tone as the fake microphone's input (Chromium wants a 16-bit WAV)."""
    import math

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(
            b"".join(
                int(8000 * math.sin(2 * math.pi * 440 * i / 16000)).to_bytes(2, "little", signed=True)
                for i in range(16000)
            )
        )
    return path


def test_listen_type_speak_and_translate(app_server, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    listing_id = app_server.run_python(["-c", LISTING]).strip()
    fake_mic = _tone(tmp_path / "mic.wav")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_mic}",
        "--autoplay-policy=no-user-gesture-required",
    ]

    # A browser of its own (fake microphone flags), driven from a thread of its own: the suite's shared browser
    # keeps Playwright's event loop running in this thread.
    def journey() -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
            try:
                ctx = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
                ctx.set_default_timeout(20_000)
                page = ctx.new_page()
                login(page, *RAMESH)
                expect(page.locator("#farmer-dashboard")).to_be_visible()

                # Listen: the first price row's button fetches the audio and plays it.
                listen = page.locator("#mandi-prices .price-row .listen-button").first
                expect(listen).to_be_visible()
                listen.click()
                expect(listen).not_to_have_attribute("data-voice-state", "loading", timeout=30_000)
                assert listen.get_attribute("data-voice-state") in ("playing", "idle"), listen.get_attribute("title")
                src = page.locator("#kisaan-voice-audio").get_attribute("src")
                head = page.evaluate(
                    "u => fetch(u).then(r => r.arrayBuffer())"
                    ".then(b => [b.byteLength, String.fromCharCode(...new Uint8Array(b.slice(28, 36)))])",
                    src,
                )
                assert head[0] > 1000 and head[1] == "OpusHead", head

                # A warning's Listen (yellow: other journeys count red warnings).
                warning = page.locator(".weather-alert", has_text="Gusty wind").locator(".listen-button")
                warning.click()
                expect(warning).not_to_have_attribute("data-voice-state", "loading", timeout=30_000)
                assert warning.get_attribute("data-voice-state") in ("playing", "idle"), warning.get_attribute("title")
                screenshot(page, "voice-warning-360")

                # The inbox item's own Listen, read aloud too.
                item = page.locator("#inbox .inbox-item .listen-button").first
                item.click()
                expect(item).not_to_have_attribute("data-voice-state", "loading", timeout=30_000)
                assert item.get_attribute("data-voice-state") in ("playing", "idle"), item.get_attribute("title")

                # Typed: the same matcher as speech; the answer is a link to tap.
                page.fill("#voice-dashboard-text", "pyaz ka bhav")
                page.press("#voice-dashboard-text", "Enter")
                choice = page.locator("#voice-dashboard .voice-choice[data-kind='price']")
                expect(choice).to_be_visible()
                expect(choice).to_have_attribute("href", "/market?crop=Onion&district=Nashik")
                screenshot(page, "voice-dashboard-360")

                # Spoken: hold the microphone; the fake device's tone is no fixture, so the stand-in hears nothing
                # and the page says so (and the typed box stays ready).
                mic = page.locator("#voice-dashboard .voice-mic")
                # the inbox is far below at 360 px: the pointer must land on the button
                mic.scroll_into_view_if_needed()
                box = mic.bounding_box()
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.mouse.down()
                expect(mic).to_have_attribute("data-voice-state", "recording", timeout=15_000)
                page.wait_for_timeout(1200)
                page.mouse.up()
                expect(page.locator("#voice-dashboard .voice-none")).to_be_visible(timeout=30_000)

                page.set_viewport_size({"width": 1280, "height": 900})
                screenshot(page, "voice-dashboard-1280")
                page.goto("/market?crop=Onion")
                expect(page.locator("#voice-market")).to_be_visible()
                screenshot(page, "voice-market-1280")
                ctx.close()

                # Translate: a buyer reads the Hindi note in English, then the original again.
                ctx = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
                ctx.set_default_timeout(20_000)
                page = ctx.new_page()
                login(page, *IMRAN)
                expect(page.locator("#greeting")).to_be_visible()  # signed in before the listing is opened
                page.goto(f"/market/listing?id={listing_id}")
                note = page.locator("#listing-description")
                expect(note).to_have_text(NOTE_HI)
                page.locator("[data-translate-box] .translate-button").first.click()
                expect(note).to_have_text("Fresh red onions, dried for two weeks.")
                screenshot(page, "voice-translated-note-360")
                page.locator("[data-translate-box] .translate-button").first.click()
                expect(note).to_have_text(NOTE_HI)
                ctx.close()
            finally:
                browser.close()

    run_in_thread(journey, timeout=600)
