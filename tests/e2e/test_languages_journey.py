"""A farmer reads the dashboard in every language the app has, picked from the header's switch (each language
named in its own script), and the offline page speaks all of them. Screenshots per script at 360 and 1280 px
are kept in test-results/ to look at; tests/unit/test_languages.py proves every character has a font."""

import re

import pytest
from playwright.sync_api import expect

from kisaan_app.i18n import available_languages, catalogue
from kisaan_app.services import glossary
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

FARMER = ("9800000003", "Farmer@123")  # demo data (kisaan_app/seed.py)


def test_the_dashboard_in_every_language(page):
    page.goto("/login")
    page.fill("#identifier", FARMER[0])
    page.fill("#password", FARMER[1])
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/$"), timeout=20_000)
    expect(page.locator("main.app-main")).to_have_attribute("data-access", "ok")
    switch = page.locator("#language-switch")
    names = available_languages()
    expect(switch.locator("option")).to_have_text(list(names.values()))  # in their own scripts
    try:
        for lang in [code for code in names if code != "en"]:
            words = catalogue(lang)
            switch.select_option(lang)
            expect(switch).to_have_value(lang)
            expect(page.get_by_text(words["dashboard.weather"], exact=True).first).to_be_visible()
            expect(page.get_by_text(words["dashboard.prices"], exact=True).first).to_be_visible()
            expect(page).to_have_title(words["page_title.home"])
            # Rows the server wrote (crop and district names, dates) are in the new language from the next load.
            page.reload()
            expect(page.get_by_text(words["dashboard.weather"], exact=True).first).to_be_visible()
            onion, nashik = glossary.label("crop", "Onion", lang), glossary.label("district", "Nashik", lang)
            expect(page.locator("#mandi-prices")).to_contain_text(onion)
            expect(page.locator("#mandi-prices")).to_contain_text(nashik)
            expect(page.locator("#farmer-home")).to_contain_text(nashik)  # "Lasalgaon, नाशिक, महाराष्ट्र"
            screenshot(page, f"dashboard-{lang}-360")
            page.set_viewport_size({"width": 1280, "height": 800})
            screenshot(page, f"dashboard-{lang}-1280")
            page.set_viewport_size({"width": 360, "height": 740})
    finally:
        switch.select_option("en")  # saved on the account: the other journeys read English
        expect(switch).to_have_value("en")


def test_the_offline_page_speaks_every_script_and_the_readers_first(page, live_server):
    page.context.add_cookies([{"name": "kisaan_lang", "value": "pa", "url": live_server}])
    page.goto("/offline.html")
    for lang in ("en", "hi", "mr", "pa", "gu", "ta", "te"):
        expect(page.locator(f"#offline-title-{lang}")).to_be_visible()
    expect(page.locator(".card > *").first).to_have_attribute("lang", "pa")
    expect(page.locator("#offline-retry")).to_have_text("ਫਿਰ ਕੋਸ਼ਿਸ਼ ਕਰੋ / Try again")
    screenshot(page, "offline-all-scripts-360")
