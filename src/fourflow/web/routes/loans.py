"""The seller's loans (F5): each loan's balances, next amount due, schedule and the repayments taken
from payouts, its disbursement conditions (F21) with their evaluation history, a chart of payouts
against repayments by month, and the loan's statement (CSV). A loan waiting for its signed contract
is signed here: the contract of its offer is made, a one-time code mailed to the signed-in user, and
the code entered signs it from this browser session; the platform countersigns at once (F4). The
daily advance of receivables financing (enrolled or not, with a toggle; today's advance, what is
outstanding, the last advances)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.clock import get_clock
from fourflow.core.errors import FourflowError, NotFound, ValidationFailed
from fourflow.core.http import database_session, request_settings
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.money import Money, parse_amount
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.insights import service as insights
from fourflow.lending.collections import service as collections
from fourflow.lending.contracts.errors import SigningCodeInvalid
from fourflow.lending.contracts.service import contracts
from fourflow.lending.insurance import service as insurance
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.lending.products import CONDITION_LABELS, DAILY_ADVANCE_TERMS, ConditionKind
from fourflow.risk.service.decisions import PRODUCT_LABELS
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
PAGE_SIZE = 5
STATUS_LABELS = {"awaiting_disbursement": N_("Awaiting disbursement"), "active": N_("Repaying"),
                 "closed": N_("Repaid"), "disbursing": N_("Paying the supplier"),
                 "written_off": N_("Written off")}
CONDITION_STATUS_LABELS = {"met": N_("Met"), "unmet": N_("Not met yet")}
ADVANCE_STATUS_LABELS = {"outstanding": N_("Awaiting the payout"), "partly_netted": N_("Partly netted"),
                         "netted": N_("Netted")}
ENROLLED = N_("You are enrolled: from tomorrow morning we advance a share of the previous day's shipped "
              "sales.")
WITHDRAWN = N_("You left the daily advance: no new advances; the outstanding ones are netted from your "
               "payouts.")
ACCOUNT_LABELS = {"loan:principal": N_("Principal"), "loan:interest": N_("Interest"),
                  "loan:fees": N_("Fees")}
STATEMENT_COLUMNS = (N_("Date (UTC)"), N_("Description"), N_("Account"), N_("Debit"), N_("Credit"),
                     N_("Balance"))


NOT_A_NUMBER = N_("Enter the amount as a number, e.g. 5000.00.")
DRAWN = N_("Drawn {amount}: {paid_out} reaches your wallet once every signature is on the contract.")
DRAWN_PAID = N_("Drawn {amount}: {paid_out} is in your wallet.")


def seller_reader(principal: Reader) -> Principal:
    """The Loans page is a seller's own: staff read loans through Operations and the API."""
    if principal.organisation_kind is not OrganisationKind.SELLER:
        raise NotFound()
    return principal


Seller = Annotated[Principal, Depends(seller_reader)]
Signer = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
SIGNING_CODE_SENT = N_("We mailed a one-time code to {email}; enter it below to sign the contract.")
CONTRACT_SIGNED = N_("You signed the contract and the platform countersigned it.")


def label(code: str) -> str:
    known = (STATUS_LABELS.get(code) or PRODUCT_LABELS.get(code) or ACCOUNT_LABELS.get(code)
             or ADVANCE_STATUS_LABELS.get(code))
    return translate(known) if known else code


def insurance_label(code: str) -> str:
    """A cover, a policy's or a claim's status, in the reader's language."""
    known = (insurance.COVER_LABELS.get(code) or insurance.POLICY_STATUS_LABELS.get(code)
             or insurance.CLAIM_STATUS_LABELS.get(code))
    return translate(known) if known else code


def _cents(amount: Any, currency: str) -> Any:
    return Money(amount, currency).quantized().amount


def described(line: loans.StatementLine) -> str:
    """The line's description in the reader's language."""
    return translate(line.message, None, **dict(line.params)) if line.message else line.description


def condition_views(session: Session, loan: Any) -> list[dict[str, Any]]:
    """Each condition of the loan: its name, whether it is met, and why (its latest evaluation)."""
    latest = loans.latest_reasons(session, loan)
    views = []
    for condition in loans.conditions(session, loan):
        evaluation = latest.get(condition.kind)
        views.append({"kind": condition.kind, "met": condition.status == "met", "met_at": condition.met_at,
                      "label": translate(CONDITION_LABELS[ConditionKind(condition.kind)]),
                      "status": translate(CONDITION_STATUS_LABELS[condition.status]),
                      "reason": loans.describe_reason(evaluation.reason, evaluation.inputs)
                      if evaluation else None,
                      "rules_version": condition.rules_version})
    return views


def evaluation_views(session: Session, loan: Any) -> list[dict[str, Any]]:
    """The evaluation history, latest first, in the reader's language."""
    return [{"evaluated_at": evaluation.evaluated_at,
             "event": translate(loans.EVENT_LABELS[loans.ConditionEvent(evaluation.event)]),
             "condition": translate(CONDITION_LABELS[ConditionKind(evaluation.kind)]),
             "met": evaluation.result == "met",
             "result": translate(CONDITION_STATUS_LABELS[evaluation.result]),
             "reason": loans.describe_reason(evaluation.reason, evaluation.inputs),
             "rules_version": evaluation.rules_version}
            for evaluation in loans.evaluations(session, loan)]


def _overdue_since(session: Session, loan: Any) -> date | None:
    """The due day of the oldest instalment an active loan has not paid: it reads "Overdue", not
    "Repaying"."""
    if loan.status != "active":
        return None
    return collections.loan_delinquency(session, loan).delinquency.oldest_unpaid_due_on


def _loan_view(session: Session, loan: Any) -> dict[str, Any]:
    conditions = condition_views(session, loan)
    return {"loan": loan, "balances": loans.balances(session, loan), "conditions": conditions,
            "overdue_since": _overdue_since(session, loan),
            "contract_unsigned": loan.status == "awaiting_disbursement" and any(
                condition["kind"] == ConditionKind.CONTRACT_SIGNED.value and not condition["met"]
                for condition in conditions),
            "evaluations": evaluation_views(session, loan),
            "next_due": loans.next_due(session, loan),
            "schedule": loans.schedule(session, loan).instalments,
            "repayments": [{"paid_on": repayment.paid_on,
                            "reference": repayment.payout.reference,
                            **{part: _cents(getattr(repayment, f"{part}_amount"), loan.currency)
                               for part in ("fees", "interest", "principal")}}
                           for repayment in loans.repayments(session, loan)]}


def _chart(session: Session, principal: Principal, currency: str | None) -> dict[str, Any] | None:
    if currency is None:
        return None
    flows = loans.monthly_flows(session, principal.organisation_id, currency)
    if not flows:
        return None
    return {"currency": currency, "labels": [flow.month for flow in flows],
            "series": [
                {"name": translate(N_("Payouts")), "type": "bar", "values": [str(f.payouts) for f in flows]},
                {"name": translate(N_("Repayments")), "type": "bar",
                 "values": [str(f.repayments) for f in flows]}],
            "flows": flows}


def _daily_advance(session: Session, principal: Principal) -> dict[str, Any] | None:
    """The panel's figures, or None when the seller has no receivables facility and no advances."""
    summary = loans.summary(session, principal.organisation_id)
    facility = loans.advance_facility(session, principal.organisation_id)
    if summary.enrolment is None and facility is None and not summary.recent:
        return None
    terms = DAILY_ADVANCE_TERMS["receivables_financing"]
    return {"summary": summary, "facility": facility, "may_enrol": facility is not None,
            "may_change": principal.can(Permission.REQUEST_CREDIT_DECISION),
            "share": summary.enrolment.advance_share if summary.enrolment else terms.advance_share,
            "fee_rate": summary.enrolment.fee_rate if summary.enrolment else terms.fee_rate}


def line_view(session: Session, line: Any, *, error: str | None = None, notice: str | None = None,
              amount: str = "") -> dict[str, Any]:
    """The credit line panel: limit, drawn, available (the bar), term, why draws are stopped, the
    draws and the form's state."""
    figures = lines.figures(session, line)
    refusal = lines.refusal_of(session, line)
    state = lines.state(session, line)
    limit = figures.limit.amount
    return {"line": line, "limit": limit, "drawn": figures.drawn.amount,
            "available": figures.available.amount,
            "drawn_percent": int((figures.drawn.amount * 100 / limit).to_integral_value()) if limit else 0,
            "state": state, "state_label": translate(lines.STATE_LABELS[state]),
            "stopped": refusal.localised(current_language()) if refusal is not None else None,
            "terms": lines.terms(line),
            "draws": [{"draw": row, "loan": loan, "owed": lines.principal_owed(session, loan).amount,
                       "status": label(loan.status)} for row, loan in lines.draws(session, line)],
            "error": error, "notice": notice, "amount": amount, "form_key": f"web:{uuid.uuid4()}"}


def line_views(session: Session, seller: uuid.UUID) -> list[dict[str, Any]]:
    return [line_view(session, line)
            for line in lines.list_lines(session, seller, PageRequest(page=1, page_size=PAGE_SIZE)).items]


@router.post("/loans/lines/{line_id}/draws")
async def draw(request: Request, session: Db, principal: Seller, line_id: uuid.UUID) -> Response:
    """Draw on the seller's line (HTMX: the panel answers with the outcome or the field's message; a
    plain form post is redirected back to the panel). The form's key makes a double submit draw once."""
    form = await request.form()
    typed = str(form.get("amount", "")).strip()[:32]
    key = str(form.get("idempotency_key", "")).strip()[:100] or f"web:{uuid.uuid4()}"

    def run() -> Response:
        line = lines.get_line(session, line_id, principal.organisation_id)
        error = notice = None
        try:
            amount = parse_amount(typed.replace(" ", "").replace(",", ""))
        except ValidationFailed:
            error = translate(NOT_A_NUMBER)
        else:
            drawn, refused = attempt(session, lambda: lines.draw(
                session, principal.audit_context(), line.id, amount, key,
                seller_organisation_id=principal.organisation_id, requested_by_user_id=principal.user_id))
            if refused is not None or drawn is None:
                error = refused.localised(current_language()) if isinstance(refused, FourflowError) else ""
            else:
                paid_out = Money(drawn.loan.principal_amount - drawn.loan.origination_fee_amount,
                                 line.currency)
                message = DRAWN_PAID if drawn.loan.status == "active" else DRAWN
                notice = translate(message,
                                   amount=str(Money(drawn.loan.principal_amount, line.currency).quantized()),
                                   paid_out=str(paid_out.quantized()))
        if not request.headers.get("HX-Request"):
            return RedirectResponse(f"/loans#credit-line-{line.id}", status_code=303)
        session.refresh(line)
        return render(request, "_credit_line.html", {
            "view": line_view(session, line, error=error, notice=notice, amount=typed if error else "")})

    return await run_in_threadpool(run)


@router.get("/loans")
def loans_page(request: Request, session: Db, principal: Seller, page: int = Query(1, ge=1),
               signed: str | None = Query(None, description="A loan whose contract was just signed")
               ) -> Response:
    return _page(request, session, principal, page=page,
                 notice=translate(CONTRACT_SIGNED, current_language()) if signed else None)


@router.post("/loans/daily-advance")
def daily_advance_toggle(request: Request, session: Db, principal: Seller,
                         enrolled: str = Form(...)) -> Response:
    """Enrol in the daily advance (``enrolled=yes``) or leave it (``no``)."""
    if not principal.can(Permission.REQUEST_CREDIT_DECISION):
        raise NotFound()
    seller, context = principal.organisation_id, principal.audit_context()
    if enrolled == "yes":
        result, error = attempt(session, lambda: loans.enrol(session, context, seller,
                                                             enrolled_by_user_id=principal.user_id))
    else:
        result, error = attempt(session, lambda: loans.unenrol(session, context, seller,
                                                               withdrawn_by_user_id=principal.user_id))
    if error is not None or result is None:
        return _page(request, session, principal, status_code=error.http_status if error else 409,
                           error=error.localised(current_language()) if error else None)
    done = ENROLLED if result.status == "enrolled" else WITHDRAWN
    return _page(request, session, principal, notice=translate(done))


def _page(request: Request, session: Session, principal: Principal, *, page: int = 1,
          notice: str | None = None, error: str | None = None, status_code: int = 200) -> Response:
    listed = loans.list_loans(session, principal.organisation_id, None,
                              PageRequest(page=page, page_size=PAGE_SIZE))
    views = [_loan_view(session, loan) for loan in listed.items]
    deductions = insights.upcoming_deductions(session, principal.organisation_id, get_clock().now().date())
    covers = insurance.covers_of_loans(session, [loan.id for loan in listed.items])
    for view in views:
        view["insurance"] = covers.get(view["loan"].id, [])
    return render(request, "loans.html", {
        "loans": listed, "views": views, "lines": line_views(session, principal.organisation_id),
        "label": label, "insurance_label": insurance_label,
        "deductions": deductions,
        "interventions": collections.seller_interventions(session, principal.organisation_id,
                                                          current_language()),
        "chart": _chart(session, principal, listed.items[0].currency if listed.items else None),
        "advance": _daily_advance(session, principal), "notice": notice, "error": error},
        status_code=status_code, active="loans")


def _message(error: FourflowError) -> str:
    return translate(error.message, current_language(), **dict(error.params))


@router.post("/loans/{loan_id}/contract/signing-code")
async def send_signing_code(request: Request, session: Db, principal: Signer, loan_id: uuid.UUID) -> Response:
    """Make the contract of the loan's offer (once) and mail the signed-in user a one-time code."""
    secret = request_settings(request).security.secret_key.get_secret_value()
    seller = seller_reader(principal)

    def run() -> Response:
        loan = loans.get_loan(session, loan_id, seller.organisation_id)
        savepoint = session.begin_nested()
        try:
            contract, _ = contracts.contract_for_offer(
                session, seller.audit_context(), loan.offer_id, seller.language,
                seller_organisation_id=seller.organisation_id, created_by_user_id=seller.user_id)
            code = contracts.request_signing_code(session, seller.audit_context(), contract.id,
                                                  contracts.signer_for(session, seller), secret=secret)
        except FourflowError as refused:
            savepoint.rollback()
            return _page(request, session, seller, error=_message(refused), status_code=refused.http_status)
        savepoint.commit()
        return _page(request, session, seller, notice=translate(SIGNING_CODE_SENT, current_language(),
                                                                email=code.recipient))

    return await run_in_threadpool(run)


@router.post("/loans/{loan_id}/contract/sign")
async def sign_contract(request: Request, session: Db, principal: Signer, loan_id: uuid.UUID) -> Response:
    """Sign the loan's contract with the mailed code; the platform countersigns, and the loan is
    disbursed at once when that was its last condition."""
    secret = request_settings(request).security.secret_key.get_secret_value()
    code = str((await request.form()).get("code", "")).strip()[:32]
    seller = seller_reader(principal)

    def run() -> Response:
        loan = loans.get_loan(session, loan_id, seller.organisation_id)
        contract = contracts.contract_of_offer(session, loan.offer_id)
        if contract is None:
            return _page(request, session, seller, error=_message(SigningCodeInvalid(field="code")),
                         status_code=422)
        savepoint = session.begin_nested()
        try:
            signer = contracts.signer_for(session, seller)
            contracts.sign(session, seller.audit_context(), contract.id, signer, code, secret=secret)
        except SigningCodeInvalid as refused:
            savepoint.commit()  # the wrong code counts against the open codes, as in the API
            return _page(request, session, seller, error=_message(refused), status_code=refused.http_status)
        except FourflowError as refused:
            savepoint.rollback()
            return _page(request, session, seller, error=_message(refused), status_code=refused.http_status)
        savepoint.commit()
        return RedirectResponse(f"/loans?signed={loan.id}#loan-{loan.id}", status_code=303)

    return await run_in_threadpool(run)


def _statement(session: Session, principal: Principal, loan_id: uuid.UUID) -> tuple[Any, list[Any]]:
    scope = None if principal.is_platform_staff else principal.organisation_id
    loan = loans.get_loan(session, loan_id, scope)
    return loan, loans.statement(session, loan)


@router.get("/loans/{loan_id}/statement.csv")
def statement_csv(session: Db, principal: Reader, loan_id: uuid.UUID) -> Response:
    loan, lines = _statement(session, principal, loan_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([translate(column) for column in STATEMENT_COLUMNS])
    for line in lines:
        writer.writerow([line.posted_at.strftime("%Y-%m-%d %H:%M"), described(line), label(line.account),
                         f"{line.debit:.2f}", f"{line.credit:.2f}", f"{line.balance:.2f}"])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="loan-{loan.id}-statement.csv"'})


@router.get("/loans/{loan_id}/statement.pdf")
def statement_pdf(session: Db, principal: Reader, loan_id: uuid.UUID) -> Response:
    loan, lines = _statement(session, principal, loan_id)
    seller = identity.organisation_by_id(session, loan.seller_organisation_id)
    document = loans.statement_pdf(loan, lines, current_language(), seller.name if seller else "—")
    return Response(document, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="loan-{loan.id}-statement.pdf"'})
