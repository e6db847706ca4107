"""The FastAPI application factory: API routers, page routes, middleware, error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fourflow.audit.api import router as audit_router
from fourflow.core.database import Database, database_for_url, resolve_database_url
from fourflow.core.errors import FourflowError, NotFound, RequestTooLarge
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.middleware import RequestContextMiddleware
from fourflow.core.settings import Settings, get_settings
from fourflow.identity.api import router as identity_router
from fourflow.insights.api import router as insights_router
from fourflow.ledger.api import router as ledger_router
from fourflow.lending.applications.api import router as lending_router
from fourflow.lending.collections.api import router as collections_router
from fourflow.lending.contracts.api import lending_router as lending_contracts_router
from fourflow.lending.contracts.api import router as contracts_router
from fourflow.lending.insurance.api import router as insurance_router
from fourflow.lending.lines.api import router as lines_router
from fourflow.lending.loans.api import router as loans_router
from fourflow.risk.api import router as risk_router
from fourflow.tradedata.api import router as tradedata_router
from fourflow.web import errors as web_errors
from fourflow.web.health import router as health_router
from fourflow.web.routes import routers as page_routers
from fourflow.web.templating import mount_static

logger = logging.getLogger(__name__)

# Pydantic's error types, phrased for people in both languages.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "json_invalid": N_("The request body is not valid JSON."),
    "model_attributes_type": N_("The request body must be a JSON object."),
    "dict_type": N_("The request body must be a JSON object."),
    "string_type": N_("Enter text here."),
    "string_too_short": N_("This value is too short."),
    "string_too_long": N_("This value is too long."),
    "string_pattern_mismatch": N_("This value has the wrong format."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "bool_type": N_("Enter true or false."),
    "uuid_parsing": N_("This is not a valid identifier."),
    "uuid_type": N_("This is not a valid identifier."),
    "enum": N_("Choose one of the allowed values."),
    "literal_error": N_("Choose one of the allowed values."),
    "greater_than_equal": N_("This value is too small."),
    "less_than_equal": N_("This value is too large."),
    "extra_forbidden": N_("This field is not allowed."),
    "too_short": N_("Give at least one value."),
    "value_error": N_("This value is not valid: {reason}"),
}


def _wants_json(request: Request) -> bool:
    """API routes answer JSON; pages answer HTML unless the caller asks only for JSON."""
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


# Routes that take whole files; they stream them and have their own size limit.
UPLOAD_PATHS = frozenset({"/api/v1/tradedata/uploads", "/api/v1/tradedata/push", "/trade-data/uploads",
                          "/api/v1/contracts/verify", "/contracts/verify"})


def _json_error(status: int, code: str, detail: Any, headers: dict[str, str] | None = None
                ) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _field_path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location if part not in ("body",)) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FourflowError)
    async def fourflow_error(request: Request, error: FourflowError) -> Response:
        if not _wants_json(request):
            return web_errors.error_page(request, error)
        headers = {"WWW-Authenticate": "Bearer"} if error.http_status == 401 else None
        return _json_error(error.http_status, error.code, error.detail(current_language()),
                           headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = []
        for item in error.errors():
            message = VALIDATION_MESSAGES.get(item.get("type", ""), N_("This value is not valid."))
            reason = str(item.get("ctx", {}).get("error", item.get("msg", "")))
            problems.append({"field": _field_path(tuple(item.get("loc", ()))),
                             "message": translate(message, reason=reason)})
        return _json_error(422, "validation_failed", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return await fourflow_error(request, NotFound())
        if error.status_code == 413:
            security = request.app.state.settings.security
            limit = (security.max_upload_bytes if request.url.path in UPLOAD_PATHS
                     else security.max_request_body_bytes)
            return await fourflow_error(request, RequestTooLarge(limit=limit))
        if error.status_code == 405:
            return _json_error(405, "method_not_allowed", translate(N_("This method is not allowed here.")))
        return _json_error(error.status_code, "http_error", str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> Response:
        logger.exception("unhandled error on %s", request.url.path, exc_info=error)
        return await fourflow_error(request, FourflowError())


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    if database is None:
        database = database_for_url(resolve_database_url(settings))
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Fewer request threads than pooled connections: no thread ever waits for a
        # connection, and fewer threads contend for the GIL (it bounds tail latency).
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.web.request_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Fourflow API",
        version="0.1.0",
        description="Supply-chain finance for cross-border e-commerce sellers.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.add_middleware(RequestContextMiddleware,
                       max_body_bytes=settings.security.max_request_body_bytes,
                       max_upload_bytes=settings.security.max_upload_bytes, upload_paths=UPLOAD_PATHS)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(identity_router)
    app.include_router(audit_router)
    app.include_router(ledger_router)
    app.include_router(tradedata_router)
    app.include_router(risk_router)
    app.include_router(contracts_router)
    app.include_router(lending_router)
    app.include_router(loans_router)
    app.include_router(lending_contracts_router)
    app.include_router(collections_router)
    app.include_router(insurance_router)
    app.include_router(lines_router)
    app.include_router(insights_router)
    for router in page_routers:
        app.include_router(router)
    mount_static(app)
    return app


def create_app_from_environment() -> FastAPI:
    """Entry point for uvicorn worker processes (``--factory``)."""
    return create_app()
