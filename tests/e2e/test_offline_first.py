"""Offline-first in Chromium: the farmer opens the dashboard, loses the network and reloads — the page still
opens (from the service worker) and shows the last prices, marked as not live with their time; answering a
buyer's offer offline is kept on the phone, and when the network returns it reaches the server exactly once
and the buyer sees it live."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import RAMESH, _signed_in
from tests.e2e.test_payments_journey import BUYER

pytestmark = pytest.mark.e2e


def _api(base: str, method: str, path: str, token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _token(base: str, who: tuple[str, str]) -> str:
    return _api(base, "POST", "/api/auth/login", body={"identifier": who[0], "password": who[1]})["access_token"]


def _wait_for_worker_and_copy(page) -> None:
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()  # the first load installs the worker; from the second it controls the page
        page.wait_for_function("!!navigator.serviceWorker.controller")
    # The page keeps a copy of the farmer's dashboard (on the phone and in the worker's cache) once it is usable.
    page.wait_for_function("!!localStorage.getItem('kisaan-offline-copy')", timeout=30_000)
    page.wait_for_function(
        "caches.open('kisaan-offline-copy').then(c => c.keys()).then(keys => keys.length > 0)", timeout=30_000
    )


def _built_files_are_brotli_and_immutable(base: str) -> None:
    with urllib.request.urlopen(base + "/login", timeout=30) as response:
        script = re.search(r'src="(/assets/[^"]+\.js)"|href="(/assets/[^"]+\.js)"', response.read().decode())
    path = script.group(1) or script.group(2)
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "br", dict(response.headers)
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with urllib.request.urlopen(base + "/sw.js", timeout=30) as response:
        worker = response.read().decode()
        assert response.headers["Cache-Control"] == "no-cache"
    # The worker precaches this build's farmer pages and their hashed files, not the whole build.
    precached = re.findall(r'"url":"([^"]+)"', worker)
    assert {"login.html", "orders.html", "offline.html"} <= set(precached), precached
    assert path.lstrip("/") in precached and 20 < len(precached) < 300, len(precached)


def test_offline_dashboard_and_an_offer_answered_offline(browser, live_server):
    _built_files_are_brotli_and_immutable(live_server)
    farmer_token, buyer_token = _token(live_server, RAMESH), _token(live_server, BUYER)
    listing = _api(
        live_server,
        "POST",
        "/api/market/listings",
        farmer_token,
        {
            "crop": "Onion",
            "quantity": 12,
            "unit": "quintal",
            "price_paise": 210_000,
            "district": "Nashik",
            "state": "Maharashtra",
        },
    )
    bid = _api(
        live_server,
        "POST",
        f"/api/market/listings/{listing['id']}/bids",
        buyer_token,
        {"quantity": 4, "price_paise": 190_000},
    )["bid"]

    farmer_ctx, farmer = _signed_in(browser, live_server, RAMESH)
    buyer_ctx, buyer = _signed_in(browser, live_server, BUYER)
    try:
        expect(farmer.locator("#mandi-prices .price-row").first).to_be_visible(timeout=20_000)
        first_market = farmer.locator("#mandi-prices .price-row").first.inner_text().split("\n")[0]
        _wait_for_worker_and_copy(farmer)

        # Data saver on (this phone's switch; "auto" follows the phone's own Save-Data): the chart waits for a tap.
        farmer.evaluate("localStorage.setItem('kisaan-data-saver', 'on')")
        farmer.reload()
        reveal = farmer.locator("#price-trend .data-heavy-reveal")
        expect(reveal).to_have_text("Show chart")
        expect(farmer.locator("#price-trend svg.trend-chart")).to_be_hidden()
        reveal.click()
        expect(farmer.locator("#price-trend svg.trend-chart")).to_be_visible()
        farmer.evaluate("localStorage.removeItem('kisaan-data-saver')")

        # No network, and a reload: the shell comes from the service worker, the prices from the kept copy.
        farmer_ctx.set_offline(True)
        farmer.reload()
        as_of = farmer.locator("#offline-as-of")
        expect(as_of).to_contain_text(re.compile(r"Offline — showing prices from \d\d:\d\d"))
        expect(farmer.locator("#offline-copy .kisaan-badge")).to_have_text("Not live")
        expect(farmer.locator("#offline-prices")).to_contain_text(first_market.strip()[:6])
        expect(farmer.locator("#connection-banner")).to_have_attribute("data-state", "offline")
        screenshot(farmer, "offline-1-dashboard-360")

        # The buyer watches the thread; the farmer answers the offer while offline.
        buyer.goto(f"/market/listing?id={listing['id']}")
        buyer_thread = buyer.locator(".bid-thread")
        expect(buyer_thread).to_contain_text("Waiting for farmer")
        offer = farmer.locator(f"#offline-offers [data-bid='{bid['id']}']")
        offer.locator("input").fill("2000")
        offer.locator("button[type=submit]").click()
        expect(farmer.locator("#kisaan-outbox")).to_contain_text("Saved on this phone")
        screenshot(farmer, "offline-2-queued-360")
        thread = _api(live_server, "GET", f"/api/market/bids/{bid['id']}/thread", buyer_token)
        assert [n["kind"] for n in thread] == ["offer"], thread  # nothing reached the server yet

        # The network returns: the queued answer is replayed (Background Sync, or the page's own nudge).
        farmer_ctx.set_offline(False)
        expect(farmer.locator("#kisaan-outbox")).to_contain_text("Sent: your counter-offer", timeout=30_000)
        expect(buyer_thread).to_contain_text("₹2,000")  # live, no reload on the buyer's side
        expect(farmer.locator("#offline-copy")).to_have_count(0)
        thread = _api(live_server, "GET", f"/api/market/bids/{bid['id']}/thread", buyer_token)
        assert [n["kind"] for n in thread].count("counter") == 1, thread
        # Replaying again (a second sync, another tab) changes nothing: the queue is empty and the key is spent.
        farmer.evaluate(
            "new Promise(r => { const ch = new MessageChannel(); ch.port1.onmessage = e => r(e.data);"
            " navigator.serviceWorker.controller.postMessage({type: 'replay-outbox'}, [ch.port2]); })"
        )
        thread = _api(live_server, "GET", f"/api/market/bids/{bid['id']}/thread", buyer_token)
        assert [n["kind"] for n in thread].count("counter") == 1, thread
        screenshot(buyer, "offline-3-buyer-sees-counter-360")

        # The same offline screen in Hindi (its words come with the copy, in the farmer's language), and the
        # data-saver switch on the settings page; pictures at 360 and 1280 px.
        farmer.goto("/settings/notifications")
        expect(farmer.locator("#data-saver-setting")).to_have_value("auto")
        farmer.select_option("#language-switch", "hi")
        expect(farmer.locator("#data-saver-setting")).to_contain_text("ऑटो")
        screenshot(farmer, "offline-4-data-saver-hi-360")
        farmer.evaluate("sessionStorage.removeItem('kisaan-copy-at')")
        farmer.goto("/")
        farmer.wait_for_function(
            "(JSON.parse(localStorage.getItem('kisaan-offline-copy') || '{}').language) === 'hi'", timeout=30_000
        )
        farmer_ctx.set_offline(True)
        farmer.set_viewport_size({"width": 1280, "height": 800})
        farmer.reload()
        expect(farmer.locator("#offline-as-of")).to_contain_text("ऑफ़लाइन — ")
        # The connection banner too: the page never got its state (no socket), so it speaks from the language
        # cookie (it used to fall back to English here).
        banner = farmer.locator("#connection-banner")
        expect(banner).to_have_attribute("data-state", "offline")
        expect(banner).to_have_text("ऑफ़लाइन — पिछली बार की जानकारी दिख रही है")
        screenshot(farmer, "offline-5-dashboard-hi-1280")
        farmer.set_viewport_size({"width": 360, "height": 800})
        screenshot(farmer, "offline-6-dashboard-hi-360")
        farmer_ctx.set_offline(False)
        farmer.goto("/settings/notifications")
        farmer.select_option("#language-switch", "en")  # Ramesh's account keeps English for other journeys
        expect(farmer.locator("#data-saver-setting")).to_contain_text("Auto")
        farmer.set_viewport_size({"width": 1280, "height": 800})
        screenshot(farmer, "offline-7-settings-1280")
    finally:
        farmer_ctx.close()
        buyer_ctx.close()
