"""Trade-data API: uploads of the four flows' files, batches, formats."""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.http import database_session, request_settings
from fourflow.core.i18n import translate
from fourflow.core.pagination import PageOut, PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.tradedata import service
from fourflow.tradedata.connectors.push.batch import push_schema
from fourflow.tradedata.connectors.registry import CONNECTORS, UploadOptions
from fourflow.tradedata.schemas import (
    BatchDetailOut,
    BatchOut,
    FigureOut,
    FormatOut,
    IngestSummaryOut,
    LineageBatchOut,
    LineageOut,
    OverviewOut,
    QualityCheckOut,
    SourceLineOut,
)
from fourflow.tradedata.service import batches, figures, overview, quality
from fourflow.tradedata.service.sellers import seller_in_scope, target_seller

router = APIRouter(prefix="/api/v1/tradedata", tags=["trade data"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_TRADE_DATA))]
Uploader = Annotated[Principal, Depends(require(Permission.UPLOAD_TRADE_DATA))]


@router.get("/formats", response_model=list[FormatOut])
def list_formats(principal: Reader) -> list[FormatOut]:
    return [FormatOut(format=connector.format, label=translate(connector.label),
                      extensions=connector.extensions) for connector in CONNECTORS.values()]


@router.post("/uploads", response_model=IngestSummaryOut, status_code=201)
async def upload(request: Request, session: Db, principal: Uploader,
                 file: Annotated[UploadFile, File(description="The file, in the named format")],
                 format: Annotated[str, Form(description="amazon-settlement, shopify-orders, …")],
                 seller_id: Annotated[uuid.UUID | None, Form(
                     description="Platform staff: the seller the file belongs to")] = None,
                 warehouse: Annotated[str | None, Form(
                     description="warehouse-stock: the warehouse the report is of", max_length=64)] = None,
                 as_of: Annotated[date | None, Form(
                     description="warehouse-stock: the day the report shows (default today)")] = None,
                 ) -> IngestSummaryOut:
    """Ingest one file for a seller: all of it, or (with every problem listed) nothing."""
    secret = request_settings(request).security.secret_key.get_secret_value()

    def run() -> service.IngestSummary:
        seller = target_seller(session, principal, seller_id)
        return service.ingest(session, principal.audit_context(), seller_organisation_id=seller,
                              format=format, source=file.file, filename=file.filename, channel="api",
                              secret=secret, options=UploadOptions(warehouse=warehouse, as_of=as_of),
                              uploaded_by_user_id=principal.user_id)

    return IngestSummaryOut.model_validate(await run_in_threadpool(run))


@router.post("/push", response_model=IngestSummaryOut, status_code=201)
async def push(request: Request, session: Db, principal: Uploader) -> IngestSummaryOut:
    """A JSON batch from an ERP, WMS or CRM: orders, stock, shipments, returns and reviews. The
    body follows the schema at GET /api/v1/tradedata/push/schema; like a file, all of it is
    stored or (with every problem listed) none, and re-sending it stores nothing twice."""
    body = await request.body()
    secret = request_settings(request).security.secret_key.get_secret_value()

    def run() -> service.IngestSummary:
        seller = target_seller(session, principal, None)
        return service.ingest(session, principal.audit_context(), seller_organisation_id=seller,
                              format="push-json", source=io.BytesIO(body), filename=None, channel="push",
                              secret=secret, uploaded_by_user_id=principal.user_id)

    return IngestSummaryOut.model_validate(await run_in_threadpool(run))


@router.get("/push/schema")
def push_batch_schema() -> dict[str, Any]:
    """The published JSON Schema of a push batch."""
    return push_schema()


@router.get("/batches", response_model=PageOut[BatchOut])
def list_batches(session: Db, principal: Reader, page: int = Query(1, ge=1),
                 page_size: int = Query(25, ge=1, le=200)) -> PageOut[BatchOut]:
    found = batches.list_batches(session, seller_in_scope(principal),
                                 PageRequest(page=page, page_size=page_size))
    return PageOut.of(found.map(BatchOut.model_validate))


@router.get("/batches/{batch_id}", response_model=BatchDetailOut)
def get_batch(session: Db, principal: Reader, batch_id: uuid.UUID) -> BatchDetailOut:
    """An upload and the quality measured on it."""
    batch = batches.get_batch(session, batch_id, seller_in_scope(principal))
    return BatchDetailOut(**BatchOut.model_validate(batch).model_dump(),
                          quality=[QualityCheckOut.model_validate(check)
                                   for check in quality.batch_checks(session, batch.id)])


@router.get("/quality", response_model=list[QualityCheckOut])
def latest_quality(session: Db, principal: Reader, failed_only: bool = False) -> list[QualityCheckOut]:
    """The newest score of each check per seller and source; ``failed_only`` lists the alerts."""
    return [QualityCheckOut.model_validate(check)
            for check in quality.latest_checks(session, seller_in_scope(principal), failed_only=failed_only)]


@router.get("/figures", response_model=PageOut[FigureOut])
def list_figures(session: Db, principal: Reader, name: str | None = None, page: int = Query(1, ge=1),
                 page_size: int = Query(25, ge=1, le=200)) -> PageOut[FigureOut]:
    found = figures.list_figures(session, seller_in_scope(principal), name,
                                 PageRequest(page=page, page_size=page_size))
    return PageOut.of(found.map(FigureOut.model_validate))


@router.get("/figures/{figure_id}/lineage", response_model=LineageOut)
def figure_lineage(session: Db, principal: Reader, figure_id: uuid.UUID, page: int = Query(1, ge=1),
                   page_size: int = Query(50, ge=1, le=200)) -> LineageOut:
    """How a figure was made: the transformation and version, the batches and rows it read."""
    found = figures.lineage(session, figure_id, seller_in_scope(principal),
                            PageRequest(page=page, page_size=page_size))
    return LineageOut(
        figure=FigureOut.model_validate(found.figure), transformation=found.figure.transformation,
        rule=translate(found.transformation.description),
        batches=[LineageBatchOut(batch=BatchOut.model_validate(batch), rows_used=rows)
                 for batch, rows in found.batches],
        rows=PageOut.of(found.rows.map(SourceLineOut.model_validate)))


@router.get("/overview", response_model=OverviewOut)
def get_overview(session: Db, principal: Reader,
                 seller_id: Annotated[uuid.UUID | None, Query(
                     description="Platform staff: the seller to show")] = None,
                 months: Annotated[int, Query(ge=1, le=60)] = 12) -> OverviewOut:
    """Month by month sales, refunds, fees, payouts, orders, on-time delivery and customs holds,
    and stock by warehouse, in the seller's main currency."""
    seller = overview.overview_target(session, principal, seller_id)
    return OverviewOut.model_validate(overview.seller_overview(session, seller, months=months))
