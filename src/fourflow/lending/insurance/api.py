"""Insurance API (F27): the covers and quotes on an offer, the policies on loans and the claims under
them; operations retry a binding, pay premiums on to the insurer and collect paid claims.

Sellers see their own offers, policies and claims; platform staff everyone's. Another seller's object
answers 404. The seller chooses covers when accepting the offer:
``POST /api/v1/lending/offers/{id}/accept`` with ``{"insurance": ["credit"]}``."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fourflow.core.http import Paging, database_session
from fourflow.core.i18n import current_language, translate
from fourflow.core.pagination import PageOut
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.insurance import service
from fourflow.lending.insurance.insurer.port import Cover
from fourflow.lending.insurance.models import InsuranceClaim, InsurancePolicy, InsuranceQuote
from fourflow.lending.insurance.schemas import ClaimOut, OptionOut, PolicyOut, QuoteOut

router = APIRouter(prefix="/api/v1/lending/insurance", tags=["lending"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Applicant = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
Treasurer = Annotated[Principal, Depends(require(Permission.MOVE_MONEY))]


def _scope(principal: Principal) -> uuid.UUID | None:
    return None if principal.is_platform_staff else principal.organisation_id


@router.get("/offers/{offer_id}/quotes", response_model=list[QuoteOut])
def offer_quotes(session: Db, principal: Applicant, offer_id: uuid.UUID) -> list[QuoteOut]:
    """The quotes stored on the offer (chosen ones say so)."""
    return [quote_out(quote) for quote in service.quotes_of_offer(session, offer_id, _scope(principal))]


@router.post("/offers/{offer_id}/quotes", response_model=list[OptionOut])
def request_quotes(session: Db, principal: Applicant, offer_id: uuid.UUID) -> list[OptionOut]:
    """Price each cover that fits the offer's product (an open offer only). A cover the insurer cannot
    price now is returned unavailable, with the reason; the offer stays usable without it."""
    found = service.request_quotes(session, principal.audit_context(), offer_id, principal.organisation_id)
    return [option_out(option) for option in found]


@router.get("/policies", response_model=PageOut[PolicyOut])
def list_policies(session: Db, principal: Reader, paging: Paging,
                  status: str | None = Query(None, description="pending, active or lapsed")
                  ) -> PageOut[PolicyOut]:
    return PageOut.of(service.list_policies(session, _scope(principal), status, paging).map(policy_out))


@router.get("/policies/{policy_id}", response_model=PolicyOut)
def get_policy(session: Db, principal: Reader, policy_id: uuid.UUID) -> PolicyOut:
    return policy_out(service.get_policy(session, policy_id, _scope(principal)))


@router.post("/policies/{policy_id}/bind", response_model=PolicyOut)
def bind_policy(session: Db, principal: Treasurer, policy_id: uuid.UUID) -> PolicyOut:
    """Try binding a pending policy again (the job does it every few minutes)."""
    return policy_out(service.bind_pending(session, principal.audit_context(), policy_id))


@router.post("/policies/{policy_id}/remit-premium", response_model=PolicyOut)
def remit_premium(session: Db, principal: Treasurer, policy_id: uuid.UUID) -> PolicyOut:
    """Pay the policy's premium on to the insurer (once)."""
    return policy_out(service.remit_premium(session, principal.audit_context(), policy_id))


@router.get("/claims", response_model=PageOut[ClaimOut])
def list_claims(session: Db, principal: Reader, paging: Paging,
                status: str | None = Query(None, description="approved, declined or paid")
                ) -> PageOut[ClaimOut]:
    return PageOut.of(service.list_claims(session, _scope(principal), status, paging).map(claim_out))


@router.get("/claims/{claim_id}", response_model=ClaimOut)
def get_claim(session: Db, principal: Reader, claim_id: uuid.UUID) -> ClaimOut:
    return claim_out(service.get_claim(session, claim_id, _scope(principal)))


@router.post("/claims/{claim_id}/settle", response_model=ClaimOut)
def settle_claim(session: Db, principal: Treasurer, claim_id: uuid.UUID) -> ClaimOut:
    """Ask the insurer about an approved claim and record its payment once it is paid."""
    return claim_out(service.settle(session, principal.audit_context(), claim_id))


def cover_name(cover: str) -> str:
    return translate(service.COVER_LABELS[Cover(cover)], current_language())


def quote_out(quote: InsuranceQuote) -> QuoteOut:
    return QuoteOut(
        id=quote.id, offer_id=quote.offer_id, cover=quote.cover, cover_name=cover_name(quote.cover),
        insurer=quote.insurer, insurer_reference=quote.insurer_reference,
            pricing_version=quote.pricing_version,
        currency=quote.currency, insured_amount=_cents(quote.insured_amount), cover_days=quote.cover_days,
        premium_rate=quote.premium_rate, premium_amount=_cents(quote.premium_amount),
        indemnity_rate=quote.indemnity_rate, inputs=quote.inputs, status=quote.status,
        created_at=quote.created_at, chosen_at=quote.chosen_at)


def option_out(option: service.Option) -> OptionOut:
    return OptionOut(cover=option.cover.value, cover_name=cover_name(option.cover.value),
                     available=option.quote is not None,
                     unavailable_reason=None if option.unavailable is None
                     else option.unavailable.localised(current_language()),
                     quote=None if option.quote is None else quote_out(option.quote))


def policy_out(policy: InsurancePolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.id, loan_id=policy.loan_id, seller_id=policy.seller_organisation_id,
            quote_id=policy.quote_id,
        cover=policy.cover, cover_name=cover_name(policy.cover), insurer=policy.insurer,
        insurer_reference=policy.insurer_reference, currency=policy.currency,
        insured_amount=_cents(policy.insured_amount), premium_amount=_cents(policy.premium_amount),
        indemnity_rate=policy.indemnity_rate, starts_on=policy.starts_on, ends_on=policy.ends_on,
        status=policy.status,
        status_name=translate(service.POLICY_STATUS_LABELS[policy.status], current_language()),
        status_reason=policy.status_reason, premium_remitted_at=policy.premium_remitted_at,
        bound_at=policy.bound_at, created_at=policy.created_at)


def claim_out(claim: InsuranceClaim) -> ClaimOut:
    return ClaimOut(
        id=claim.id, policy_id=claim.policy_id, loan_id=claim.loan_id, seller_id=claim.seller_organisation_id,
        reason=claim.reason, insurer_reference=claim.insurer_reference, currency=claim.currency,
        loss_on=claim.loss_on, loss_amount=_cents(claim.loss_amount),
        approved_amount=_cents(claim.approved_amount), status=claim.status,
        status_name=translate(service.CLAIM_STATUS_LABELS[claim.status], current_language()),
        decision_reason=claim.decision_reason, paid_on=claim.paid_on,
            payment_reference=claim.payment_reference,
        created_at=claim.created_at)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))
