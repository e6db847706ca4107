"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from fourflow.core.migrations import migrations_are_current

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    database = request.app.state.database
    reachable = database.is_reachable()
    current = reachable and migrations_are_current(database.engine)
    ready = reachable and current
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "database": reachable,
         "migrations_current": current},
        status_code=200 if ready else 503,
    )
