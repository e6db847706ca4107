"""Lending API: the financing products, applications (draft, autosave, prefill, submit), the manual
review of referred applications, and offers (accept, decline).

Sellers act on their own applications and offers only; risk staff read everyone's and review the
referred ones. Changes to an application or offer are the seller's own acts: staff cannot make them
for a seller (they get 404, as for any object that is not theirs)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy.orm import Session

from fourflow.core.http import Paging, database_session
from fourflow.core.i18n import translate
from fourflow.core.pagination import PageOut
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.applications import service
from fourflow.lending.applications.models import FinancingApplication, FinancingOffer
from fourflow.lending.applications.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    OfferOut,
    PrefillOut,
    ProductOut,
    ReasonOut,
    RepaymentOut,
    ReviewApproveIn,
    ReviewDeclineIn,
    ReviewedApplicationOut,
)
from fourflow.lending.insurance import service as insurance
from fourflow.lending.insurance.schemas import AcceptIn
from fourflow.lending.products import (
    PRODUCTS_VERSION,
    REPAYMENT_METHOD_LABELS,
    UNDERLYING_LABELS,
    USE_OF_FUNDS_LABELS,
    Product,
)
from fourflow.risk.scorecard.reasons import localised_params
from fourflow.risk.service.scope import seller_in_scope
from fourflow.tradedata.service.sellers import target_seller

router = APIRouter(prefix="/api/v1/lending", tags=["lending"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Applicant = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
Reviewer = Annotated[Principal, Depends(require(Permission.REVIEW_CREDIT_APPLICATIONS))]
SignedIn = Annotated[Principal, Depends(require())]




@router.get("/products", response_model=list[ProductOut])
def list_products(principal: SignedIn) -> list[ProductOut]:
    """The financing products and their terms (``products@v1``)."""
    return [product_out(product) for product in service.products()]


@router.get("/applications/prefill", response_model=PrefillOut)
def prefill(session: Db, principal: Applicant,
            seller_id: uuid.UUID | None = Query(None, description="Platform staff: the seller")
            ) -> PrefillOut:
    """Figures from the seller's trade data to start an application with, and the product that fits
    them best, with the reason."""
    filled = service.prefill(session, target_seller(session, principal, seller_id))
    return PrefillOut(currency=filled.currency, months=filled.months,
                      average_monthly_sales=filled.average_monthly_sales,
                      average_monthly_payouts=filled.average_monthly_payouts, stock_value=filled.stock_value,
                      recommended_product=filled.recommended_product,
                      reason=translate(filled.reason, None, **filled.reason_params),
                      suggested_amount=filled.suggested_amount,
                      suggested_tenor_days=filled.suggested_tenor_days)


@router.post("/applications", response_model=ApplicationOut, status_code=201)
def create_application(session: Db, principal: Applicant, body: ApplicationIn) -> ApplicationOut:
    """Start a draft; anything filled in is checked against the product's terms at once."""
    seller = target_seller(session, principal, None)
    application = service.create(session, principal.audit_context(), seller, service.ApplicationFields(
        product=body.product, amount=body.amount, currency=body.currency, tenor_days=body.tenor_days,
        purpose=body.purpose, payee=body.payee), created_by_user_id=principal.user_id)
    return application_out(application, None, staff=False)


@router.get("/applications", response_model=PageOut[ApplicationOut])
def list_applications(session: Db, principal: Applicant, paging: Paging,
                      status: str | None = Query(None, description="draft, in_review, offered or declined")
                      ) -> PageOut[ApplicationOut]:
    page = service.list_applications(session, seller_in_scope(principal), status, paging)
    staff = principal.can(Permission.READ_RISK)
    return PageOut.of(page.map(lambda application: application_out(
        application, service.offer_of_application(session, application), staff=staff)))


@router.get("/applications/{application_id}", response_model=ReviewedApplicationOut | ApplicationOut)
def get_application(session: Db, principal: Applicant, application_id: uuid.UUID) -> ApplicationOut:
    application = service.get_application(session, application_id, seller_in_scope(principal))
    return application_out(application, service.offer_of_application(session, application),
                           staff=principal.can(Permission.READ_RISK))


@router.patch("/applications/{application_id}", response_model=ApplicationOut)
def update_application(session: Db, principal: Applicant, application_id: uuid.UUID,
                       body: ApplicationPatch | None = None) -> ApplicationOut:
    """Autosave a draft: the fields sent replace the draft's (null empties one)."""
    patch = body or ApplicationPatch()
    sent = patch.model_fields_set
    fields = service.ApplicationFields(
        product=patch.product, amount=patch.amount, currency=patch.currency, tenor_days=patch.tenor_days,
        purpose=patch.purpose, payee=patch.payee,
        cleared=frozenset(name for name in sent if getattr(patch, name) is None))
    application = service.update(session, principal.audit_context(), application_id,
                                 principal.organisation_id, fields)
    return application_out(application, None, staff=False)


@router.post("/applications/{application_id}/submit", response_model=ApplicationOut)
def submit_application(session: Db, principal: Applicant, application_id: uuid.UUID,
                       idempotency_key: Annotated[str | None, Header(max_length=100)] = None
                       ) -> ApplicationOut:
    """Ask for a decision: an offer at once, a manual review, or a decline with the reasons. Send an
    Idempotency-Key to retry safely: the same key gets the same answer and no second decision."""
    submitted = service.submit(session, principal.audit_context(), application_id, principal.organisation_id,
                               idempotency_key=idempotency_key, requested_by_user_id=principal.user_id)
    return application_out(submitted.application, submitted.offer, staff=False)


@router.get("/offers", response_model=PageOut[OfferOut])
def list_offers(session: Db, principal: Applicant, paging: Paging) -> PageOut[OfferOut]:
    return PageOut.of(service.list_offers(session, seller_in_scope(principal), paging).map(offer_out))


@router.get("/offers/{offer_id}", response_model=OfferOut)
def get_offer(session: Db, principal: Applicant, offer_id: uuid.UUID) -> OfferOut:
    return offer_out(service.get_offer(session, offer_id, seller_in_scope(principal)))


@router.post("/offers/{offer_id}/accept", response_model=OfferOut)
def accept_offer(session: Db, principal: Applicant, offer_id: uuid.UUID,
                 body: AcceptIn | None = None) -> OfferOut:
    """Accept an open offer before it expires, with the insurance covers chosen (``insurance``: cargo,
    credit; quotes at ``/api/v1/lending/insurance/offers/{offer_id}/quotes``)."""
    return offer_out(insurance.accept_offer(session, principal.audit_context(), offer_id,
                                            principal.organisation_id, (body or AcceptIn()).insurance,
                                            accepted_by_user_id=principal.user_id))


@router.post("/offers/{offer_id}/decline", response_model=OfferOut)
def decline_offer(session: Db, principal: Applicant, offer_id: uuid.UUID) -> OfferOut:
    return offer_out(service.decline_offer(session, principal.audit_context(), offer_id,
                                           principal.organisation_id, declined_by_user_id=principal.user_id))


@router.get("/review-queue", response_model=PageOut[ReviewedApplicationOut])
def review_queue(session: Db, principal: Reviewer, paging: Paging) -> PageOut[ApplicationOut]:
    """Referred applications waiting for a risk officer, newest first."""
    return PageOut.of(service.review_queue(session, paging).map(
        lambda application: application_out(application, None, staff=True)))


@router.post("/review-queue/{application_id}/approve", response_model=ReviewedApplicationOut)
def approve_on_review(session: Db, principal: Reviewer, application_id: uuid.UUID,
                      body: ReviewApproveIn) -> ApplicationOut:
    """Make the offer after all (the amount may be lowered to the decision's limit); the reason is kept."""
    reviewed = service.approve_on_review(session, principal.audit_context(), application_id,
                                         reason=body.reason, amount=body.amount,
                                         reviewed_by_user_id=principal.user_id)
    return application_out(reviewed.application, reviewed.offer, staff=True)


@router.post("/review-queue/{application_id}/decline", response_model=ReviewedApplicationOut)
def decline_on_review(session: Db, principal: Reviewer, application_id: uuid.UUID,
                      body: ReviewDeclineIn) -> ApplicationOut:
    declined = service.decline_on_review(session, principal.audit_context(), application_id,
                                         reason=body.reason, reviewed_by_user_id=principal.user_id)
    return application_out(declined, None, staff=True)


def product_out(product: Product) -> ProductOut:
    repayment = product.repayment
    return ProductOut(
        code=product.code, name=translate(product.label), version=PRODUCTS_VERSION,
        advance_rate=product.advance_rate, minimum_tenor_days=product.minimum_tenor_days,
        maximum_tenor_days=product.maximum_tenor_days, default_tenor_days=product.default_tenor_days,
        origination_fee_rate=product.origination_fee_rate,
        repayment=RepaymentOut(method=repayment.method.value,
                               name=translate(REPAYMENT_METHOD_LABELS[repayment.method]),
                               period_days=repayment.period_days, remittance_rate=repayment.remittance_rate),
        underlying=product.underlying.value, underlying_text=translate(UNDERLYING_LABELS[product.underlying]),
        use_of_funds=product.use_of_funds.value,
        use_of_funds_text=translate(USE_OF_FUNDS_LABELS[product.use_of_funds]),
        currencies=list(product.currencies))


def offer_out(offer: FinancingOffer) -> OfferOut:
    return OfferOut(
        id=offer.id, application_id=offer.application_id, seller_id=offer.seller_organisation_id,
        decision_id=offer.decision_id, products_version=offer.products_version, product=offer.product,
        amount=_cents(offer.amount), currency=offer.currency, tenor_days=offer.tenor_days,
        annual_rate=offer.annual_rate, annual_percentage_rate=offer.annual_percentage_rate,
        origination_fee=_cents(offer.origination_fee),
        disbursed_amount=_cents(offer.amount - offer.origination_fee),
        repayment_method=offer.repayment_method, schedule=offer.schedule, status=service.offer_status(offer),
        expires_at=offer.expires_at, created_at=offer.created_at, responded_at=offer.responded_at)


def application_out(application: FinancingApplication, offer: FinancingOffer | None, *,
                    staff: bool) -> ApplicationOut:
    fields: dict[str, Any] = {
        "id": application.id, "seller_id": application.seller_organisation_id,
        "products_version": application.products_version, "product": application.product,
        "amount": None if application.amount is None else _cents(application.amount),
        "currency": application.currency, "tenor_days": application.tenor_days,
        "purpose": application.purpose, "payee": application.payee, "status": application.status,
        "decision_id": application.decision_id,
        "decline_reasons": [ReasonOut(code=reason["code"], text=_reason_text(reason))
                            for reason in application.decline_reasons or []],
        "offer": None if offer is None else offer_out(offer), "created_at": application.created_at,
        "updated_at": application.updated_at, "submitted_at": application.submitted_at}
    if staff:
        return ReviewedApplicationOut(**fields, review_reason=application.review_reason,
                                      reviewed_by_user_id=application.reviewed_by_user_id,
                                      reviewed_at=application.reviewed_at)
    return ApplicationOut(**fields)


def _reason_text(reason: dict[str, Any]) -> str:
    msgid: str = reason["message"]  # stored msgids are translated when read, in the reader's language
    return translate(msgid, None, **localised_params(reason["params"]))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))
