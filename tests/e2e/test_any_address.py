"""Any address (issue 13): a farmer opens the app at http://127.0.0.1:PORT or, from a phone, at the machine's
LAN address, and signs in (the state socket was refused with 403 for anything but localhost). While the
connection is down the header says so in the farmer's language, instead of Reflex's "Cannot connect to server"."""

import re
import socket
import subprocess
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from kisaan_app.i18n.formatting import IST
from tests.e2e.conftest import screenshot
from tests.e2e.test_accounts_journey import login
from tests.e2e.test_live_dashboard import RAMESH

pytestmark = pytest.mark.e2e

REFLEX_TOAST = "Cannot connect to server"


def _lan_address() -> str | None:
    """This machine's own non-loopback IPv4 address: the one a phone on the same network would open."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 9))  # UDP: no packet is sent, the kernel just picks a source address
            address = probe.getsockname()[0]
    except OSError:
        address = ""
    if not address or address.startswith("127."):
        listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
        address = next((a for a in listed if "." in a and not a.startswith("127.")), "")
    return address or None


def _ist_clock_now() -> set[str]:
    """HH:MM in India now and a minute ago (the banner's time may have been taken just before the minute turned)."""
    now = datetime.now(IST)
    return {now.strftime("%H:%M"), (now - timedelta(minutes=1)).strftime("%H:%M")}


@pytest.fixture(scope="module")
def every_interface(app_server):
    """The suite's server restarted to listen on every interface (KISAAN_HOST=0.0.0.0, as a farmer trying it on
    a phone would run it), and put back on loopback afterwards."""
    app_server.stop_web()
    app_server.env["KISAAN_HOST"] = "0.0.0.0"
    try:
        app_server.start_web()
        yield app_server
    finally:
        app_server.stop_web()
        app_server.env.pop("KISAAN_HOST", None)
        app_server.start_web()


@pytest.mark.parametrize("where", ["loopback", "lan"])
def test_a_farmer_signs_in_at_127_0_0_1_and_at_the_lan_address(browser, every_interface, where):
    if where == "lan":
        address = _lan_address()
        if address is None:
            pytest.skip("this machine has no non-loopback IPv4 address to open the app at")
    else:
        address = "127.0.0.1"
    base = f"http://{address}:{every_interface.port}"
    ctx = browser.new_context(base_url=base, viewport={"width": 360, "height": 740})
    ctx.set_default_timeout(20_000)
    try:
        page = ctx.new_page()
        login(page, *RAMESH)  # the login form is a Reflex event: it needs the state socket
        expect(page.locator("#greeting")).to_be_visible()
        assert page.url.startswith(base)
        expect(page.locator("#mandi-prices .price-row").first).to_be_visible()
        expect(page.locator("#connection-banner")).to_be_hidden()
        expect(page.get_by_text(REFLEX_TOAST)).to_have_count(0)
        screenshot(page, f"any-address-{where}-360")
    finally:
        ctx.close()


def test_offline_the_header_says_what_the_farmer_is_looking_at_and_clears_when_back(browser, live_server):
    ctx = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    ctx.set_default_timeout(20_000)
    try:
        page = ctx.new_page()
        login(page, *RAMESH)
        expect(page.locator("#mandi-prices .price-row").first).to_be_visible()
        banner = page.locator("#connection-banner")
        expect(banner).to_be_hidden()

        ctx.set_offline(True)
        expect(banner).to_be_visible()
        expect(banner).to_have_attribute("data-state", "offline")
        expect(banner).to_have_text(re.compile(r"^Offline — showing what you saw at \d\d:\d\d$"))
        shown = banner.inner_text().rsplit(" ", 1)[1]
        assert shown in _ist_clock_now(), shown
        expect(page.locator("#mandi-prices .price-row").first).to_be_visible()  # the prices stay on screen
        expect(page.get_by_text(REFLEX_TOAST)).to_have_count(0)
        screenshot(page, "connection-offline-360")

        ctx.set_offline(False)
        expect(banner).to_be_hidden(timeout=30_000)
        expect(banner).to_have_attribute("data-state", "live")
    finally:
        ctx.close()


# The page's WebSocket, wrapped before the app loads: while window.__refuseStateSocket is set, a (re)connection
# to /_event goes to a path the server refuses with 403 — what a dead or misconfigured server looks like to the
# page, and the very answer this issue started from. Closing the open socket makes Reflex reconnect.
REFUSABLE_SOCKET = """
(() => {
  const RealWebSocket = window.WebSocket;
  window.__refuseStateSocket = false;
  window.__stateSockets = [];
  function RefusableWebSocket(url, protocols) {
    const target = window.__refuseStateSocket ? String(url).replace("/_event", "/_refused") : url;
    const socket = new RealWebSocket(target, protocols);
    window.__stateSockets.push(socket);
    return socket;
  }
  RefusableWebSocket.prototype = RealWebSocket.prototype;
  Object.assign(RefusableWebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = RefusableWebSocket;
})();
"""


def test_while_the_socket_is_down_the_header_says_reconnecting_in_hindi(browser, live_server):
    ctx = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(20_000)
    ctx.add_init_script(REFUSABLE_SOCKET)
    try:
        page = ctx.new_page()
        login(page, *RAMESH)
        expect(page.locator("#greeting")).to_be_visible()
        page.select_option("#language-switch", "hi")
        expect(page.locator("#greeting")).to_have_text(re.compile("नमस्ते"))
        banner = page.locator("#connection-banner")
        expect(banner).to_be_hidden()

        page.evaluate("window.__refuseStateSocket = true; window.__stateSockets.forEach((s) => s.close())")
        expect(banner).to_be_visible()
        expect(banner).to_have_attribute("data-state", "reconnecting")
        expect(banner).to_have_text("फिर से जुड़ रहे हैं…")
        page.wait_for_timeout(3_000)  # several refused attempts: Reflex's toast would be up by now
        expect(page.get_by_text(REFLEX_TOAST)).to_have_count(0)
        screenshot(page, "connection-reconnecting-hi-1280")

        ctx.set_offline(True)  # and then the network goes too: offline wins, with the time in Hindi's sentence
        expect(banner).to_have_text(re.compile(r"^ऑफ़लाइन — \d\d:\d\d बजे तक की जानकारी दिख रही है$"))
        screenshot(page, "connection-offline-hi-1280")
        ctx.set_offline(False)

        page.evaluate("window.__refuseStateSocket = false")  # the server answers again: Reflex's next retry connects
        expect(banner).to_be_hidden(timeout=30_000)
        expect(page.locator("#greeting")).to_have_text(re.compile("नमस्ते"))
        page.select_option("#language-switch", "en")  # Ramesh's account keeps English for other tests
        expect(page.locator("#greeting")).to_have_text(re.compile("Namaste"))
    finally:
        ctx.close()
