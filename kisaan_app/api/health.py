"""/api/health: database, Redis, job worker, queue, delivery backlog, reconciliation and bus, in one answer.

503 when any check is down (a stale or missing worker heartbeat included), so a monitor sees a dead worker.
Statuses, counts and ages only, open to anonymous callers: see services/health.py.
"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kisaan_app.services import health as system_health

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health() -> JSONResponse:
    report = system_health.report()
    return JSONResponse(report.as_dict(), status_code=200 if report.ok else 503, headers={"Cache-Control": "no-store"})
