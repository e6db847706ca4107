"""A seller's trade data in the browser: the overview (KPIs and charts) and uploads of files.

Platform staff pick the seller. The upload form works without JavaScript (a normal multipart
POST that renders the page with the outcome); static/upload.js enhances it with drag and drop
and an upload progress bar, and asks for the outcome fragment only, which it swaps in."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from fourflow.core.errors import FourflowError
from fourflow.core.http import database_session, request_settings
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.months import month_end
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.tradedata import service as tradedata
from fourflow.tradedata.connectors.registry import CONNECTORS, UploadOptions
from fourflow.tradedata.service import batches, overview
from fourflow.tradedata.service.sellers import target_seller
from fourflow.web.charts import overview_charts
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_TRADE_DATA))]
Uploader = Annotated[Principal, Depends(require(Permission.UPLOAD_TRADE_DATA))]
# upload.js asks for just the outcome (result + recent uploads) with this header.
FRAGMENT_HEADER = "X-Fourflow-Fragment"
RECENT_UPLOADS = 10


def _sellers(session: Session, principal: Principal) -> list[Any]:
    """The seller picker's choices: only staff get one (a seller sees their own data only)."""
    if not principal.sees_all_organisations():
        return []
    return identity.list_organisations(session, principal, PageRequest(page=1, page_size=200),
                                       kind=OrganisationKind.SELLER).items


def _chosen(principal: Principal, seller_id: uuid.UUID | None) -> uuid.UUID | None:
    """The seller shown: one's own for sellers; the picked one (or none yet) for staff."""
    if principal.organisation_kind is OrganisationKind.SELLER and seller_id is None:
        return principal.organisation_id
    return seller_id


def _until(value: str | None) -> date | None:
    """``YYYY-MM``: the overview's last month (its last day), for data older than a year."""
    try:
        return month_end(date.fromisoformat(f"{value}-01")) if value else None
    except ValueError:
        return None


@router.get("/trade-data")
def trade_data(request: Request, session: Db, principal: Reader, seller_id: uuid.UUID | None = None,
               until: str | None = Query(None, max_length=7)) -> Response:
    sellers = _sellers(session, principal)
    chosen = _chosen(principal, seller_id)
    summary = latest = None
    if chosen is not None:
        seller = overview.overview_target(session, principal, chosen)
        summary = overview.seller_overview(session, seller, until=_until(until))
        if not summary.has_data:
            latest = overview.latest_activity(session, seller)
    staff_seller = chosen if principal.sees_all_organisations() else None
    return render(request, "trade_data.html", {
        "sellers": sellers, "seller_id": staff_seller, "overview": summary, "latest": latest,
        "seller_query": f"seller_id={staff_seller}&" if staff_seller else "",
        "charts": overview_charts(summary) if summary else None,
        "may_upload": principal.can(Permission.UPLOAD_TRADE_DATA)}, active="trade-data")


def _formats() -> list[tuple[str, str, str]]:
    return [(connector.format, translate(connector.label), connector.extensions)
            for connector in CONNECTORS.values()]


def _uploads_context(session: Session, principal: Principal, seller_id: uuid.UUID | None,
                     page: int) -> dict[str, Any]:
    sellers = _sellers(session, principal)
    chosen = _chosen(principal, seller_id)
    if chosen is not None and principal.sees_all_organisations():
        chosen = target_seller(session, principal, chosen)  # a seller, or the error page says why
    # Staff who picked no seller see everyone's recent uploads; a non-seller sees only its own.
    scope = chosen if chosen is not None or principal.sees_all_organisations() \
        else principal.organisation_id
    recent = batches.list_batches(session, scope, PageRequest(page=page, page_size=RECENT_UPLOADS))
    return {"sellers": sellers, "seller_names": {seller.id: seller.name for seller in sellers},
            "seller_id": chosen if principal.sees_all_organisations() else None,
            "formats": _formats(), "batches": recent,
            "may_upload": principal.can(Permission.UPLOAD_TRADE_DATA),
            "base_query": f"seller_id={chosen}&" if chosen and principal.sees_all_organisations() else ""}


@router.get("/trade-data/uploads")
def uploads(request: Request, session: Db, principal: Reader, seller_id: uuid.UUID | None = None,
            page: int = Query(1, ge=1)) -> Response:
    return render(request, "trade_data_uploads.html",
                  _uploads_context(session, principal, seller_id, page), active="trade-data")


@router.post("/trade-data/uploads")
async def upload(request: Request, session: Db, principal: Uploader) -> Response:
    form = await request.form()
    upload_file = form.get("file")
    values = {key: str(form.get(key) or "").strip() for key in ("format", "seller_id", "warehouse", "as_of")}
    secret = request_settings(request).security.secret_key.get_secret_value()
    fragment = request.headers.get(FRAGMENT_HEADER) == "upload-outcome"

    def run() -> Response:
        seller_id = _optional_uuid(values["seller_id"])
        outcome: dict[str, Any] = {"values": values}
        if not isinstance(upload_file, UploadFile) or not upload_file.filename:
            outcome["error"] = translate(N_("Choose a file to upload."))
            return _outcome(request, session, principal, seller_id, outcome, fragment, 422)
        try:
            as_of = date.fromisoformat(values["as_of"]) if values["as_of"] else None
        except ValueError:
            outcome["error"] = translate(N_("The report date must look like 2024-05-31."))
            return _outcome(request, session, principal, seller_id, outcome, fragment, 422)
        summary, error = attempt(session, lambda: tradedata.ingest(
            session, principal.audit_context(), seller_organisation_id=target_seller(
                session, principal, seller_id),
            format=values["format"], source=upload_file.file, filename=upload_file.filename,
            channel="web", secret=secret,
            options=UploadOptions(warehouse=values["warehouse"][:64] or None, as_of=as_of),
            uploaded_by_user_id=principal.user_id))
        if error is not None or summary is None:
            outcome.update(_problems(error))
            return _outcome(request, session, principal, seller_id, outcome, fragment,
                            error.http_status if error else 422)
        outcome["summary"] = summary
        return _outcome(request, session, principal, seller_id, outcome, fragment, 200)

    return await run_in_threadpool(run)


def _problems(error: FourflowError | None) -> dict[str, Any]:
    language = current_language()
    if isinstance(error, tradedata.FileRejected):
        detail = error.detail(language)
        return {"error": detail["message"], "problems": detail["problems"]}
    return {"error": error.localised(language) if error else translate(N_("The upload failed."))}


def _outcome(request: Request, session: Session, principal: Principal, seller_id: uuid.UUID | None,
             outcome: dict[str, Any], fragment: bool, status_code: int) -> Response:
    context = {**_uploads_context(session, principal, seller_id, 1), **outcome}
    if not fragment:
        return render(request, "trade_data_uploads.html", context, status_code=status_code,
                      active="trade-data")
    response = render(request, "_trade_data_upload_outcome.html", context, status_code=status_code)
    response.headers[FRAGMENT_HEADER] = "upload-outcome"  # upload.js swaps in only this
    return response


def _optional_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
