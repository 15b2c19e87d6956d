"""The Reflex app: pages from the route table (routes.py), the REST API mounted in front, PWA head tags.
A composition root: it may import any layer (see .importlinter), and it registers every named job so services
can enqueue them."""

import reflex as rx

import kisaan_app.tasks  # noqa: F401 - registers every named job (see kisaan_app/jobs.py)
from kisaan_app import observability
from kisaan_app.api.edge.origins import socket_origin_allowed
from kisaan_app.asgi import create_app
from kisaan_app.pwa import head_components
from kisaan_app.routes import register_pages
from kisaan_app.supervision import supervise

observability.setup("web")  # logs, traces (KISAAN_OTLP_ENDPOINT), error reports (KISAAN_SENTRY_DSN)
app = rx.App(
    api_transformer=create_app(),
    head_components=head_components(),
    stylesheets=["/styles.css"],
)
# The layout shows its own bilingual connection banner (components/connection.py) instead of Reflex's English
# "Cannot connect to server" toast and pulsing icon.
app.app_wraps.pop((5, "Overlay"), None)
# The state socket admits our own origins: in dev and test the host the page was opened at (127.0.0.1, a LAN
# address), in prod the public URL and the extra origins (api/edge/origins.py). Reflex only takes a fixed list.
app.sio.eio.cors_allowed_origins = socket_origin_allowed
register_pages(app)


@app.register_lifespan_task
async def deliver_live_events(app: rx.App):
    """Apply bus events to the clients this process holds (see kisaan_app/realtime/hub.py)."""
    from kisaan_app.realtime.hub import Hub
    from kisaan_app.services.connections import record_heartbeat
    from kisaan_app.state.live import make_applier

    hub = Hub(make_applier(app), record_heartbeat=record_heartbeat)
    connected = lambda: set(app.event_namespace.token_to_sid) if app.event_namespace else set()  # noqa: E731
    await supervise("live-delivery", lambda: hub.run(connected_tokens=connected))


@app.register_lifespan_task
def measure_state_lock_waits():
    """Time every wait for a client's state lock (realtime/state_lock_wait.py); the manager exists by now."""
    from kisaan_app.realtime.state_lock_wait import measure_state_lock_waits

    measure_state_lock_waits(app.state_manager)


@app.register_lifespan_task
async def collect_garbage_on_a_timer():
    """Full garbage collections every few minutes, never in the middle of a fan-out (realtime/gc_policy.py)."""
    from kisaan_app.realtime.gc_policy import collect_on_a_timer

    await supervise("gc-timer", collect_on_a_timer)
