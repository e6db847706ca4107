"""Financing for sellers (F3, "apply in minutes"): the products, a prefill from the seller's trade
data with the recommended product, an application form that autosaves the draft as the seller types
(and says at once what the product or the credit limit will not take), the offer to accept or
decline, and the seller's applications. The risk officer's review queue for referred applications."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.errors import FourflowError, NotFound, ValidationFailed
from fourflow.core.http import database_session
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.money import Money, parse_amount
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.lending.applications import service
from fourflow.lending.insurance import service as insurance
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.lending.products import (
    CATALOGUE,
    DISBURSEMENT_CONDITIONS,
    LENDING_CURRENCIES,
    REPAYMENT_METHOD_LABELS,
    REVOLVING_PRODUCTS,
    UNDERLYING_LABELS,
    USE_OF_FUNDS_LABELS,
    ConditionKind,
)
from fourflow.risk.scorecard.reasons import localised_params
from fourflow.risk.service.decisions import PRODUCT_LABELS
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reviewer = Annotated[Principal, Depends(require(Permission.REVIEW_CREDIT_APPLICATIONS))]
PAGE_SIZE = 10
FIELDS = ("product", "amount", "currency", "tenor_days", "purpose", "payee")
FIELD_LABELS = {"product": N_("Product"), "amount": N_("Amount"), "currency": N_("Currency"),
                "tenor_days": N_("Term (days)"), "purpose": N_("Purpose"), "payee": N_("Paid to"),
                "reason": N_("Reason for the decision"), "form": N_("Application")}
STATUS_LABELS = {"draft": N_("Draft"), "in_review": N_("In review"), "offered": N_("Offer made"),
                 "declined": N_("Declined"), "open": N_("Awaiting your answer"), "accepted": N_("Accepted"),
                 "expired": N_("Expired")}
OVER_LIMIT = N_("{amount} is over your credit limit of {limit}: a risk officer will review the application "
                "before any offer.")
NOT_A_NUMBER = N_("Enter the amount as a number, e.g. 5000.00.")
NOT_WHOLE_DAYS = N_("Enter the term as a whole number of days.")


class InputInvalid(FourflowError):
    """A form value that is not even a number; the message says what to type."""

    code = "input_invalid"
    http_status = 422


def seller_applicant(principal: Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
                     ) -> Principal:
    """Applications are a seller's own acts: staff who may request decisions have no page here."""
    if principal.organisation_kind is not OrganisationKind.SELLER:
        raise NotFound()
    return principal


Applicant = Annotated[Principal, Depends(seller_applicant)]


def _label(code: str | None) -> str:
    if code is None:
        return "—"
    known = STATUS_LABELS.get(code) or PRODUCT_LABELS.get(code)
    return translate(known) if known else code


def _message(error: FourflowError) -> str:
    """The error in the reader's language, naming a product by its name rather than its code."""
    params = dict(error.params)
    code = params.get("product")
    if isinstance(code, str) and code in PRODUCT_LABELS:
        params["product"] = _label(code)
    return translate(error.message, current_language(), **params)


def _named(field: str, message: str) -> str:
    """The field's name before the message, so the seller knows where to look."""
    return translate("{field}: {text}", field=translate(FIELD_LABELS.get(field, field)), text=message)


# ---------------------------------------------------------------- the seller's page


def _form_values(form: Any) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in (*FIELDS, "application_id", "idempotency_key")}


def _typed_amount(text: str) -> Decimal:
    """An amount typed into a form, by core.money's rules (grouping commas and spaces allowed),
    refused as this form's field message."""
    try:
        amount = parse_amount(text.replace(" ", ""))
    except ValidationFailed:
        raise InputInvalid(NOT_A_NUMBER, field="amount") from None
    if abs(amount) >= Decimal("1e16"):
        raise InputInvalid(NOT_A_NUMBER, field="amount")
    return amount.quantize(Decimal("0.01"))


def _fields(values: dict[str, str]) -> service.ApplicationFields:
    """The form's values as the service takes them; an empty field is cleared."""
    amount = tenor = None
    if values["amount"]:
        amount = _typed_amount(values["amount"])
    if values["tenor_days"]:
        try:
            tenor = int(values["tenor_days"])
        except ValueError:
            raise InputInvalid(NOT_WHOLE_DAYS, field="tenor_days") from None
    currency, purpose, payee = values["currency"] or None, values["purpose"][:2000] or None, \
        values["payee"][:200] or None
    given = {"amount": amount, "currency": currency, "tenor_days": tenor, "purpose": purpose, "payee": payee}
    return service.ApplicationFields(
        product=values["product"] or None, amount=amount, currency=currency, tenor_days=tenor,
        purpose=purpose, payee=payee,
        cleared=frozenset(name for name, value in given.items() if value is None))


def _save(session: Session, principal: Principal, values: dict[str, str]) -> Any:
    """Create the draft, or replace the fields of the one the form is editing."""
    fields = _fields(values)
    if values["application_id"]:
        try:
            application_id = uuid.UUID(values["application_id"])
        except ValueError:
            raise NotFound() from None
        return service.update(session, principal.audit_context(), application_id, principal.organisation_id,
                              fields)
    return service.create(session, principal.audit_context(), principal.organisation_id, fields,
                          created_by_user_id=principal.user_id)


def _warnings(session: Session, principal: Principal, application: Any) -> dict[str, str]:
    """What will not stop the draft but changes the outcome: an amount over the credit limit."""
    limit = service.credit_limit(session, principal.organisation_id)
    if (limit is None or application.amount is None or application.currency != limit.currency
            or application.amount <= limit.amount):
        return {}
    amount = Money(application.amount, limit.currency).quantized()
    return {"amount": _named("amount", translate(OVER_LIMIT, amount=f"{amount.amount:,} {amount.currency}",
                                                 limit=f"{limit.amount:,} {limit.currency}"))}


def _offer_view(session: Session, offer: Any) -> dict[str, Any]:
    revolving = offer.product in REVOLVING_PRODUCTS
    return {"offer": offer, "status": service.offer_status(offer),
            "loan_booked": loans.loan_of_offer_exists(session, offer.id),
            # A revolving offer opens a credit line: its fee is charged on each draw, not on the limit.
            "revolving": revolving, "line": lines.line_of_offer(session, offer.id) if revolving else None,
            "fee_rate": CATALOGUE[offer.product].origination_fee_rate,
            "disbursed": offer.amount - offer.origination_fee,
            "instalments": [{"number": row["number"], "due_on": row["due_on"], **{
                part: Decimal(row[part]["amount"]) for part in ("principal", "interest", "total")}}
                for row in offer.schedule.get("instalments", [])],
            "total": Decimal(offer.schedule["total_amount"]["amount"]) if "total_amount" in offer.schedule
            else None}


def _insurance_view(session: Session, principal: Principal, offer: Any, status: str) -> list[dict[str, Any]]:
    """The covers of the offer: priced (an open offer is quoted now), or unavailable with the reason.
    Once answered, the quotes the seller chose."""
    if status != "open":
        return [{"cover": quote.cover, "name": translate(insurance.COVER_LABELS[quote.cover]),
                 "quote": quote,
                 "text": _cover_text(quote.cover, quote.indemnity_rate), "reason": None}
                for quote in insurance.chosen_quotes(session, offer.id)]
    return [{"cover": option.cover.value, "name": translate(insurance.COVER_LABELS[option.cover]),
             "quote": option.quote, "reason": None if option.unavailable is None
             else option.unavailable.localised(current_language()),
             "text": _cover_text(option.cover.value, option.quote.indemnity_rate if option.quote else None)}
            for option in insurance.options(session, principal.audit_context(), offer.id,
                                            principal.organisation_id)]


def _cover_text(cover: str, indemnity: Decimal | None) -> str:
    share = "" if indemnity is None else f"{indemnity * 100:.0f}"
    return translate(insurance.COVER_TEXTS[cover], indemnity=share)


def _reason_texts(reasons: list[dict[str, Any]]) -> list[str]:
    """Stored msgids, translated when read, in the reader's language."""
    texts = []
    for reason in reasons:
        msgid: str = reason["message"]
        texts.append(translate(msgid, None, **localised_params(reason["params"])))
    return texts


def _reasons(application: Any) -> list[str]:
    return _reason_texts(application.decline_reasons or [])


def _page(request: Request, session: Session, principal: Principal, *, page: int = 1,
          shown: uuid.UUID | None = None, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, notice: str | None = None,
          status_code: int = 200) -> Response:
    seller = principal.organisation_id
    prefill = service.prefill(session, seller)
    applications = service.list_applications(session, seller, None,
                                             PageRequest(page=page, page_size=PAGE_SIZE))
    rows = [(application, service.offer_of_application(session, application))
            for application in applications.items]
    result = None
    if shown is not None:
        application = service.get_application(session, shown, seller)
        offer = service.offer_of_application(session, application)
        result = {"application": application, "reasons": _reasons(application),
                  **(_offer_view(session, offer) if offer is not None else {"offer": None})}
        if offer is not None:
            result["insurance"] = _insurance_view(session, principal, offer, result["status"])
    if values is None:
        drafts = service.list_applications(session, seller, "draft", PageRequest(page=1, page_size=1)).items
        values = _draft_values(drafts[0]) if drafts else {
            "application_id": "", "product": prefill.recommended_product or "order_financing",
            "amount": "" if prefill.suggested_amount is None else str(prefill.suggested_amount),
            "currency": prefill.currency if prefill.currency in LENDING_CURRENCIES else LENDING_CURRENCIES[0],
            "tenor_days": "" if prefill.suggested_tenor_days is None else str(prefill.suggested_tenor_days),
            "purpose": "", "payee": ""}
    return render(request, "financing.html", {
        "products": service.products(), "currencies": LENDING_CURRENCIES, "prefill": prefill,
        "prefill_reason": translate(prefill.reason, None, **prefill.reason_params),
        "applications": applications, "rows": rows, "result": result, "values": values,
        "errors": errors or {}, "notice": notice, "form_key": f"web:{uuid.uuid4()}",
        "waits_for_goods": lambda product: ConditionKind.GOODS_ARRIVED in DISBURSEMENT_CONDITIONS[product],
        "label": _label, "repayment_label": lambda product: translate(
            REPAYMENT_METHOD_LABELS[product.repayment.method]),
        "underlying_label": lambda product: translate(UNDERLYING_LABELS[product.underlying]),
        "use_label": lambda product: translate(USE_OF_FUNDS_LABELS[product.use_of_funds]),
        "offer_status": service.offer_status}, status_code=status_code, active="financing")


def _draft_values(application: Any) -> dict[str, str]:
    return {"application_id": str(application.id), "product": application.product,
            "amount": "" if application.amount is None else str(application.amount.quantize(Decimal("0.01"))),
            "currency": application.currency or "", "purpose": application.purpose or "",
            "tenor_days": "" if application.tenor_days is None else str(application.tenor_days),
            "payee": application.payee or ""}


@router.get("/financing")
def financing(request: Request, session: Db, principal: Applicant, page: int = Query(1, ge=1),
              application: uuid.UUID | None = None) -> Response:
    return _page(request, session, principal, page=page, shown=application)


@router.post("/financing/draft")
async def autosave(request: Request, session: Db, principal: Applicant) -> Response:
    """HTMX, as the seller types: save the draft, and answer with each field's message."""
    values = _form_values(await request.form())

    def run() -> Response:
        saved, error = attempt(session, lambda: _save(session, principal, values))
        errors: dict[str, str] = {}
        if error is not None:
            field = error.field if error.field in FIELD_LABELS else "form"
            errors[field] = _named(field, _message(error))
        warnings = {} if saved is None else _warnings(session, principal, saved)
        return render(request, "_financing_feedback.html", {
            "saved": saved, "errors": errors, "warnings": warnings, "fields": FIELDS,
            "application_id": str(saved.id) if saved is not None else values["application_id"]},
            status_code=200)

    return await run_in_threadpool(run)


@router.post("/financing/submit")
async def submit(request: Request, session: Db, principal: Applicant) -> Response:
    values = _form_values(await request.form())

    def run() -> Response:
        def action() -> Any:
            application = _save(session, principal, values)
            return service.submit(session, principal.audit_context(), application.id,
                                  principal.organisation_id,
                                  idempotency_key=values["idempotency_key"] or None,
                                  requested_by_user_id=principal.user_id)

        submitted, error = attempt(session, action)
        if error is not None or submitted is None:
            field = (error.field if error and error.field in FIELD_LABELS else "form")
            message = _message(error) if error else ""
            return _page(request, session, principal, values=values, status_code=422,
                         errors={field: _named(field, message)})
        return RedirectResponse(f"/financing?application={submitted.application.id}#result", status_code=303)

    return await run_in_threadpool(run)


@router.post("/financing/offers/{offer_id}/loan")
async def take_loan(request: Request, session: Db, principal: Applicant, offer_id: uuid.UUID) -> Response:
    """Book the loan on the seller's accepted offer; the form's key makes a double submit book once."""
    form = await request.form()
    key = str(form.get("idempotency_key", "")).strip()[:100] or f"web:{uuid.uuid4()}"
    # Order financing names the shipment of the financed goods: the loan is paid when it arrives.
    tracking_number = str(form.get("tracking_number", "")).strip()[:64]
    warehouse = str(form.get("warehouse", "")).strip()[:64]
    shipment = loans.FinancedShipment(tracking_number, warehouse) if tracking_number or warehouse else None

    def run() -> Response:
        loan, error = attempt(session, lambda: loans.book_loan(
            session, principal.audit_context(), offer_id, key,
            seller_organisation_id=principal.organisation_id, booked_by_user_id=principal.user_id,
            shipment=shipment))
        if error is not None or loan is None:
            shown = service.get_offer(session, offer_id, principal.organisation_id).application_id
            return _page(request, session, principal, shown=shown, status_code=409,
                         errors={"form": _message(error) if error else ""})
        return RedirectResponse(f"/loans#loan-{loan.id}", status_code=303)

    return await run_in_threadpool(run)


@router.post("/financing/offers/{offer_id}/{answer}")
async def respond(request: Request, session: Db, principal: Applicant, offer_id: uuid.UUID,
                  answer: str) -> Response:
    if answer not in ("accept", "decline"):
        raise NotFound()
    # The covers ticked on the offer (accepting only): chosen with it, in the same transaction.
    covers = [str(cover) for cover in (await request.form()).getlist("insurance")]

    def run() -> Response:
        def act() -> Any:
            if answer == "accept":
                return insurance.accept_offer(session, principal.audit_context(), offer_id,
                                              principal.organisation_id, covers,
                                              accepted_by_user_id=principal.user_id)
            return service.decline_offer(session, principal.audit_context(), offer_id,
                                         principal.organisation_id, declined_by_user_id=principal.user_id)

        offer, error = attempt(session, act)
        if error is not None or offer is None:
            shown = service.get_offer(session, offer_id, principal.organisation_id).application_id
            return _page(request, session, principal, shown=shown, status_code=409,
                         errors={"form": _message(error) if error else ""})
        return RedirectResponse(f"/financing?application={offer.application_id}#result", status_code=303)

    return await run_in_threadpool(run)


# ---------------------------------------------------------------- the review queue


def _queue_page(request: Request, session: Session, principal: Principal, *, page: int = 1,
                notice: str | None = None, errors: dict[str, dict[str, str]] | None = None,
                status_code: int = 200) -> Response:
    queue = service.review_queue(session, PageRequest(page=page, page_size=PAGE_SIZE))
    names = identity.organisation_names(session, {item.seller_organisation_id for item in queue.items})
    rows = []
    for application in queue.items:
        decision = service.decision_of(session, application)
        reasons = [] if decision is None else _reason_texts(decision.reasons)
        rows.append({"application": application, "decision": decision, "reasons": reasons,
                     "limit": None if decision is None else service.review_limit(decision),
                     "seller": names.get(application.seller_organisation_id, "—")})
    return render(request, "review_queue.html", {
        "queue": queue, "rows": rows, "notice": notice, "errors": errors or {}, "label": _label},
        status_code=status_code, active="review-queue")


@router.get("/review-queue")
def review_queue(request: Request, session: Db, principal: Reviewer, page: int = Query(1, ge=1)) -> Response:
    return _queue_page(request, session, principal, page=page)


@router.post("/review-queue/{application_id}/{verdict}")
async def review(request: Request, session: Db, principal: Reviewer, application_id: uuid.UUID,
                 verdict: str) -> Response:
    if verdict not in ("approve", "decline"):
        raise NotFound()
    form = await request.form()
    reason = str(form.get("reason", "")).strip()[:2000]
    amount_text = str(form.get("amount", "")).strip()

    def run() -> Response:
        def action() -> Any:
            if verdict == "decline":
                return service.decline_on_review(session, principal.audit_context(), application_id,
                                                 reason=reason, reviewed_by_user_id=principal.user_id)
            amount = _typed_amount(amount_text) if amount_text else None
            return service.approve_on_review(session, principal.audit_context(), application_id,
                                             reason=reason, amount=amount,
                                             reviewed_by_user_id=principal.user_id)

        _done, error = attempt(session, action)
        if error is not None:
            field = error.field if error.field in FIELD_LABELS else "form"
            return _queue_page(request, session, principal, status_code=422, errors={str(application_id): {
                "verdict": verdict, "message": _named(field, _message(error)),
                "reason": reason, "amount": amount_text}})
        done = N_("Approved: the seller has an offer.") if verdict == "approve" else N_(
            "Declined: the seller has been told.")
        return _queue_page(request, session, principal, notice=translate(done))

    return await run_in_threadpool(run)
