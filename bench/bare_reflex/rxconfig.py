"""The baseline of bench/fanout.py: a bare Reflex app doing the same live push (see bare_app/bare_app.py)."""

import os

import reflex as rx

redis_url = os.environ.get("REDIS_URL") or None
config = rx.Config(
    app_name="bare_app",
    telemetry_enabled=False,
    redis_url=redis_url,
    state_manager_mode="redis" if redis_url else "memory",
    disable_plugins=[rx.plugins.SitemapPlugin],
)
