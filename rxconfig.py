"""Reflex configuration, filled from kisaan_app.settings (Reflex itself reads only REFLEX_* variables)."""

import reflex as rx

from kisaan_app.light_build import LightRadixThemes
from kisaan_app.pwa_build import ServiceWorkerPlugin
from kisaan_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="kisaan_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=settings.port,
    backend_port=settings.port,
    backend_host=settings.bind_host,  # loopback unless KISAAN_HOST says otherwise (prod: 0.0.0.0)
    deploy_url=settings.public_url,
    # Outside prod the pages reach the backend at the host they were opened at (settings.page_api_url).
    api_url=settings.page_api_url,
    # Cookies authenticate the API too, so only our own origins may read responses cross-origin (same-origin
    # requests need no CORS). The /_event socket's origin check is ours, not this list: see kisaan_app.py.
    cors_allowed_origins=[settings.public_url, *settings.extra_origin_list],
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    # Without Redis, states live in memory: pages rebuild them from the database on load, and the disk
    # manager would write every live update to disk (it cost a quarter of the CPU per delivered update in bench/).
    state_manager_mode="redis" if settings.redis_url else "memory",
    trusted_proxy_hops=settings.trusted_proxy_hops,
    # ServiceWorkerPlugin builds /sw.js (Workbox) over each production build: kisaan_app/pwa_build.py.
    plugins=[
        # Radix Themes with only the colour scales the app uses (kisaan_app/light_build.py).
        LightRadixThemes(theme=rx.theme(accent_color="green", radius="medium")),
        ServiceWorkerPlugin(),
    ],
    # Brotli beside gzip: about a fifth fewer bytes for the same scripts on a 2G/3G link.
    frontend_compression_formats=["brotli", "gzip"],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
