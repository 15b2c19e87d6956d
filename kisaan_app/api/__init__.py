"""The FastAPI app mounted in front of Reflex: REST API, docs, health (later: webhooks and SSE)."""

from fastapi import FastAPI

from kisaan_app.api import (
    audit,
    auth,
    crop_cases,
    crop_health,
    custom_reports,
    documents,
    events,
    feeds,
    health,
    inbox,
    market,
    members,
    metrics,
    notifications,
    offline,
    ops,
    payments,
    payouts,
    price_alerts,
    reports,
    sms_inbound,
    users,
    voice,
)
from kisaan_app.api.edge import install_edge
from kisaan_app.api.errors import install_error_handlers
from kisaan_app.observability import tracing
from kisaan_app.settings import get_settings


def create_api() -> FastAPI:
    docs = get_settings().docs_enabled  # KISAAN_API_DOCS; off in production unless asked for
    app = FastAPI(
        title="Kisaansay API",
        version="0.1.0",
        description="REST API of Kisaansay. Authenticate with `Authorization: Bearer <token>` from "
        '`POST /api/auth/login`. Errors share one shape: `{"error": {"code", "message", "field", "details"}}`.',
        openapi_url="/api/openapi.json" if docs else None,
        docs_url="/api/docs" if docs else None,
        redoc_url=None,
        # Uploads take one file; other form fields stay small (the body itself is capped by api/edge).
        form_limits={"max_files": 1, "max_fields": 20, "max_part_size": 64 * 1024},
    )
    install_error_handlers(app)
    install_edge(app)
    for module in (
        auth,
        users,
        audit,
        health,
        events,
        feeds,
        crop_health,
        crop_cases,
        members,
        payments,
        payouts,
        documents,
        custom_reports,
        price_alerts,
        reports,
        market,
        notifications,
        sms_inbound,
        inbox,
        offline,
        ops,
        metrics,
        voice,
    ):
        app.include_router(module.router)
    tracing.instrument_api(app)  # a no-op unless tracing is on (KISAAN_OTLP_ENDPOINT, or a test's exporter)
    return app
