"""Kisaansay is an installable PWA: Chromium's own installability check passes, and with no network a
page navigation gets the bilingual offline page instead of the browser's error."""

import json
import re
import tempfile
import urllib.request

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def profile_context(browser, live_server):
    """A browser with a real (non-incognito) profile: Chromium refuses to install apps from incognito."""
    with tempfile.TemporaryDirectory(prefix="kisaan-pwa-") as user_data:
        ctx = browser.browser_type.launch_persistent_context(
            user_data,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=live_server,
            viewport={"width": 360, "height": 740},
        )
        ctx.set_default_timeout(20_000)
        yield ctx
        ctx.close()


def _wait_for_service_worker(page) -> None:
    state = page.evaluate(
        "Promise.race([navigator.serviceWorker.ready.then(() => 'ready'),"
        " new Promise(resolve => setTimeout(() => resolve('timeout'), 15000))])"
    )
    assert state == "ready", "the service worker never became active"
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()  # the first load installs the worker; from the second it controls the page
    page.wait_for_function("!!navigator.serviceWorker.controller")


def test_chromium_considers_the_app_installable(profile_context, live_server):
    page = profile_context.new_page()
    page.goto("/login")
    _wait_for_service_worker(page)
    cdp = profile_context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and not manifest["errors"]

    with urllib.request.urlopen(f"{live_server}/manifest.webmanifest") as res:
        data = json.load(res)
    assert data["name"] == "Kisaansay" and data["start_url"] == "/" and data["display"] == "standalone"
    # Launchers crop "maskable" icons, so the plain 192 and 512 must exist as "any" (the default purpose) too.
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes, purposes
    for icon in data["icons"]:
        with urllib.request.urlopen(live_server + icon["src"]) as res:
            assert res.status == 200 and res.headers["Content-Type"] == "image/png"


def test_theme_colour_and_icons_are_in_every_page(page):
    page.goto("/login")
    expect(page.locator("meta[name='theme-color']")).to_have_attribute("content", "#2e7d32")
    expect(page.locator("link[rel='manifest']")).to_have_attribute("href", "/manifest.webmanifest")
    expect(page.locator("link[rel='apple-touch-icon']")).to_have_count(1)


def test_offline_navigation_shows_the_offline_page_and_recovers(profile_context):
    page = profile_context.new_page()
    page.goto("/login")
    _wait_for_service_worker(page)

    profile_context.set_offline(True)
    page.goto("/profile")  # never visited: only the service worker can answer
    expect(page.locator("#offline-title-en")).to_have_text("You are offline")
    expect(page.locator("#offline-title-hi")).to_have_text("आप ऑफ़लाइन हैं")
    screenshot(page, "pwa-offline-360")

    # Back online: "Try again" (or the page's own reload on the `online` event) brings the app back.
    profile_context.set_offline(False)
    for _ in range(5):
        if page.locator("#offline-title-en").count() == 0:
            break
        try:
            page.click("#offline-retry", timeout=2_000)
        except PlaywrightError:
            pass  # the page reloaded itself between the check and the click
        page.wait_for_timeout(1_000)
    expect(page.locator("#offline-title-en")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/(login|profile)"))
    expect(page.locator("#identifier")).to_be_visible()  # the real app: a signed-out visitor gets the login
