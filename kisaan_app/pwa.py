"""Head tags that make Kisaansay an installable PWA: manifest, icons, theme colour, service worker."""

import reflex as rx

THEME_COLOUR = "#2e7d32"

# The page's half of offline-first (assets/kisaan-offline.js): registers the service worker after load, keeps the
# person's offline copy fresh, shows it when the network is gone, and sends or queues offline writes. `defer`:
# it never competes with the first paint on a slow phone.
OFFLINE_SCRIPT = "/kisaan-offline.js"
# Listen buttons, push-to-talk and translated notes (assets/voice.js): small, deferred, does nothing until tapped.
VOICE_SCRIPT = "/voice.js"


def head_components() -> list[rx.Component]:
    return [
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.meta(name="theme-color", content=THEME_COLOUR),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-title", content="Kisaansay"),
        rx.el.link(rel="apple-touch-icon", href="/icons/apple-touch-icon.png"),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="any"),
        rx.el.script(src=OFFLINE_SCRIPT, defer=True),
        rx.el.script(src=VOICE_SCRIPT, defer=True),
    ]
