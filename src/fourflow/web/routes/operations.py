"""Operations: loans awaiting disbursement, the latest daily advances of every seller, bank accounts and
their reconciliation breaks, payment channels, payouts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.http import database_session, request_database
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.ledger.channels.registry import payment_router
from fourflow.ledger.service import fx, get_account, payments, reconciliation
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.web.forms import attempt
from fourflow.web.routes.loans import condition_views, label
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Operator = Annotated[Principal, Depends(require(Permission.SEE_CHANNELS))]
Reconciler = Annotated[Principal, Depends(require(Permission.RECONCILE))]
Treasurer = Annotated[Principal, Depends(require(Permission.MOVE_MONEY))]
DISBURSED = N_("Loan disbursed: {amount} paid into the wallet of {seller}.")
SUPPLIER_PAYMENT_SENT = N_("Loan disbursing: {amount} is being paid to {supplier}, the supplier of {seller}.")


def payment_state(state: str) -> str:
    known = payments.PAYMENT_STATE_LABELS.get(state)
    return translate(known) if known else state


def _operations_page(request: Request, session: Session, principal: Principal, *, page: int = 1,
                     notice: str | None = None, error: str | None = None, status_code: int = 200) -> Response:
    awaiting = loans.list_loans(session, None, "awaiting_disbursement", PageRequest(page=page, page_size=10))
    # Loans whose supplier payment a channel has not taken yet: no longer awaiting, not yet active.
    paying = loans.list_loans(session, None, "disbursing", PageRequest(page=1, page_size=10))
    sellers = {organisation.id: organisation.name
               for organisation in identity.organisations_of_kind(session, OrganisationKind.SELLER.value)}
    waiting_for = {loan.id: [view for view in condition_views(session, loan) if not view["met"]]
                   for loan in awaiting.items}
    credit_lines = [{"line": line, "figures": lines.figures(session, line),
                     "state": translate(lines.STATE_LABELS[lines.state(session, line)]),
                     "draws": len(lines.draws(session, line))}
                    for line in lines.list_lines(session, None, PageRequest(page=1, page_size=20)).items]
    return render(request, "operations.html", {
        "awaiting": awaiting, "paying": paying, "credit_lines": credit_lines, "sellers": sellers,
        "payment_state": payment_state, "label": label, "waiting_for": waiting_for,
        "may_disburse": principal.can(Permission.MOVE_MONEY), "notice": notice, "error": error,
        "banks": reconciliation.bank_accounts_overview(session),
        "channels": payments.channel_health(session, payment_router(request_database(request).engine)),
        "payments": payments.recent_payments(session, PageRequest(page=1, page_size=20), None),
        "exposure": fx.exposure(session),
        "advances": loans.list_advances(session, None, PageRequest(page=1, page_size=10)).items,
    }, status_code=status_code, active="operations")


@router.get("/operations")
def operations(request: Request, session: Db, principal: Operator, page: int = Query(1, ge=1)) -> Response:
    return _operations_page(request, session, principal, page=page)


@router.post("/operations/loans/{loan_id}/disburse")
def disburse(request: Request, session: Db, principal: Treasurer, loan_id: uuid.UUID) -> Response:
    """Disburse once every condition is met (else the page names the unmet ones and nothing moves):
    into the seller's wallet, the fee netted, or to the supplier through the payment router; a loan
    disbursed already is unchanged."""
    loan, error = attempt(session, lambda: loans.disburse(session, principal.audit_context(), loan_id,
                                                          disbursed_by_user_id=principal.user_id))
    if error is not None or loan is None:
        return _operations_page(request, session, principal, status_code=409,
                                error=error.localised(current_language()) if error else None)
    seller = identity.organisation_by_id(session, loan.seller_organisation_id)
    paid = f"{loan.principal_amount - loan.origination_fee_amount:,.2f} {loan.currency}"
    if loan.disbursement_method == "supplier":
        return _operations_page(request, session, principal, notice=translate(
            SUPPLIER_PAYMENT_SENT, amount=paid, supplier=loan.supplier_name or "—",
            seller=seller.name if seller else "—"))
    return _operations_page(request, session, principal, notice=translate(
        DISBURSED, amount=paid, seller=seller.name if seller else "—"))


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
