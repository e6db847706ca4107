"""Operations: bank accounts and their reconciliation breaks, payment channels, payouts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.http import database_session
from fourflow.core.i18n import current_language, translate
from fourflow.core.pagination import PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.ledger.channels.registry import payment_router
from fourflow.ledger.service import fx, get_account, payments, reconciliation
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Operator = Annotated[Principal, Depends(require(Permission.SEE_CHANNELS))]
Reconciler = Annotated[Principal, Depends(require(Permission.RECONCILE))]


@router.get("/operations")
def operations(request: Request, session: Db, principal: Operator) -> Response:
    return render(request, "operations.html", {
        "banks": reconciliation.bank_accounts_overview(session),
        "channels": payments.channel_health(session, payment_router()),
        "payments": payments.recent_payments(session, PageRequest(page=1, page_size=20), None),
        "exposure": fx.exposure(session),
    }, active="operations")


def _reconciliation_page(request: Request, session: Session, account_id: uuid.UUID, *,
                         notice: str | None = None, error: str | None = None,
                         status_code: int = 200) -> Response:
    account = get_account(session, account_id, None)
    return render(request, "reconciliation.html", {
        "account": account, "breaks": reconciliation.breaks(session, account_id),
        "notice": notice, "error": error}, status_code=status_code, active="operations")


@router.get("/operations/reconciliation/{account_id}")
def reconciliation_page(request: Request, session: Db, principal: Reconciler,
                        account_id: uuid.UUID) -> Response:
    return _reconciliation_page(request, session, account_id)


@router.post("/operations/reconciliation/{account_id}/statements")
async def upload_statement(request: Request, session: Db, principal: Reconciler,
                           account_id: uuid.UUID) -> Response:
    form = await request.form()
    upload = form.get("file")
    content = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    result, error = await run_in_threadpool(attempt, session, lambda: reconciliation.import_statement(
        session, principal.audit_context(), account_id, content))
    if error is not None or result is None:
        message = error.localised(current_language()) if error else ""
        return await run_in_threadpool(_reconciliation_page, request, session, account_id,
                                       error=message, status_code=422)
    notice = translate("{lines} lines read, {inserted} new, {matched} matched automatically, "
                       "{breaks} left to match.", lines=result.lines, inserted=result.inserted,
                       matched=result.matched, breaks=result.breaks)
    return await run_in_threadpool(_reconciliation_page, request, session, account_id,
                                   notice=notice)


@router.post("/operations/reconciliation/{account_id}/matches")
async def match(request: Request, session: Db, principal: Reconciler,
                account_id: uuid.UUID) -> Response:
    form = await request.form()
    try:
        line_id = uuid.UUID(str(form.get("statement_line_id", "")))
        posting_id = int(str(form.get("posting_id", "")))
    except ValueError:
        return RedirectResponse(f"/operations/reconciliation/{account_id}", status_code=303)
    _done, error = await run_in_threadpool(attempt, session, lambda: reconciliation.match_manually(
        session, principal.audit_context(), line_id, posting_id))
    if error is not None:
        return await run_in_threadpool(_reconciliation_page, request, session, account_id,
                                       error=error.localised(current_language()), status_code=409)
    return RedirectResponse(f"/operations/reconciliation/{account_id}", status_code=303)
