"""/api/health: is the database (and Redis, when configured) answering?"""

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kisaan_app.db import get_engine
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api", tags=["health"])


def _probe(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported with its reason
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_database() -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@router.get("/health")
def health() -> JSONResponse:
    settings = get_settings()
    checks = {"database": {"backend": get_engine().dialect.name, **_probe(_check_database)}}
    if settings.redis_url:
        checks["redis"] = _probe(lambda: _check_redis(settings.redis_url))
    ok = all(c["status"] == "up" for c in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503)
