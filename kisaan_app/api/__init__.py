"""The FastAPI app mounted in front of Reflex: REST API, docs, health (later: webhooks and SSE)."""

from fastapi import FastAPI

from kisaan_app.api import audit, auth, crop_health, events, feeds, health, market, notifications, payments, users
from kisaan_app.api.errors import install_error_handlers


def create_api() -> FastAPI:
    app = FastAPI(
        title="Kisaansay API",
        version="0.1.0",
        description="REST API of Kisaansay. Authenticate with `Authorization: Bearer <token>` from "
        '`POST /api/auth/login`. Errors share one shape: `{"error": {"code", "message", "field", "details"}}`.',
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    for module in (auth, users, audit, health, events, feeds, crop_health, payments, market, notifications):
        app.include_router(module.router)
    return app
