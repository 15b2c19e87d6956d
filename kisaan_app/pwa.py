"""Head tags that make Kisaansay an installable PWA: manifest, icons, theme colour, service worker."""

import reflex as rx

THEME_COLOUR = "#2e7d32"

# Registered after load so it never competes with the first paint on a slow phone. The app injects this
# script after hydration, often after `load` has fired, so check readyState instead of only listening.
REGISTER_SERVICE_WORKER = """
if ('serviceWorker' in navigator) {
  var kisaanRegister = function () {
    navigator.serviceWorker.register('/sw.js', {scope: '/'}).catch(function (err) {
      console.warn('service worker registration failed', err);
    });
  };
  if (document.readyState === 'complete') { kisaanRegister(); }
  else { window.addEventListener('load', kisaanRegister); }
}
"""


def head_components() -> list[rx.Component]:
    return [
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.meta(name="theme-color", content=THEME_COLOUR),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-title", content="Kisaansay"),
        rx.el.link(rel="apple-touch-icon", href="/icons/apple-touch-icon.png"),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="any"),
        rx.script(REGISTER_SERVICE_WORKER),
    ]
