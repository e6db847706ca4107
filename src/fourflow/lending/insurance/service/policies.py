"""Policies: the covers a seller chose, bound with the insurer when the loan is disbursed, and their
premium (MONEY-FLOWS event 11).

Premium, when the insurer binds the policy, one entry (key ``lending:insurance:policy:{id}:premium``):

    Dr loan:fees  premium      Cr insurer:payable  premium

The seller owes the premium as a fee of the loan (repaid first from the next payouts, like every fee);
the platform owes it to the insurer. Paid on to the insurer later, one entry per policy (key
``lending:insurance:policy:{id}:premium-remitted``):

    Dr insurer:payable  premium      Cr platform:bank:{channel}  premium

An insurer that cannot be reached at disbursement does not hold the money back: the policy waits as
``pending`` (no premium posted) and the binding job tries again; a loan that ended meanwhile lets the
policy lapse, unbound and uncharged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.pagination import Page, PageRequest
from fourflow.ledger import service as ledger
from fourflow.lending.insurance import repository
from fourflow.lending.insurance.errors import InsurancePolicyNotFound, InsurerUnavailable
from fourflow.lending.insurance.insurer.port import BindRequest, Cover
from fourflow.lending.insurance.insurer.registry import insurer
from fourflow.lending.insurance.models import InsuranceClaim, InsurancePolicy
from fourflow.lending.insurance.service.common import money, platform_account, posting
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan

DEFAULT_PREMIUM_CHANNEL = "harbour-bank"


def bind_on_disbursement(session: Session, context: audit.AuditContext, loan: Loan) -> list[InsurancePolicy]:
    """The hook ``loans.disburse`` calls once the money has left: a policy for each cover chosen on the
    loan's offer, bound now if the insurer answers (premium posted), pending otherwise."""
    existing = {policy.cover: policy for policy in repository.policies_of_loan(session, loan.id)}
    bound: list[InsurancePolicy] = []
    now = get_clock().now()
    for quote in repository.chosen_quotes(session, loan.offer_id):
        policy = existing.get(quote.cover)
        if policy is None:
            policy = InsurancePolicy(
                id=uuid.uuid4(), quote_id=quote.id, loan_id=loan.id,
                seller_organisation_id=loan.seller_organisation_id, cover=quote.cover, insurer=quote.insurer,
                currency=quote.currency, insured_amount=quote.insured_amount,
                premium_amount=quote.premium_amount, indemnity_rate=quote.indemnity_rate,
                starts_on=loan.start_on, ends_on=loan.maturity_on, status="pending", created_at=now,
                updated_at=now)
            repository.add(session, policy)
            audit.record(session, context, "lending:insurance:policy_opened", subject_type="lending_loan",
                         subject_id=loan.id, organisation_id=loan.seller_organisation_id, after={
                             "policy_id": str(policy.id), "cover": policy.cover, "insurer": policy.insurer,
                             "insured": str(money(policy.insured_amount, policy.currency)),
                             "premium": str(money(policy.premium_amount, policy.currency))})
        if policy.status == "pending":
            _bind(session, context, policy, loan)
        bound.append(policy)
    return bound


def bind_pending(session: Session, context: audit.AuditContext, policy_id: uuid.UUID) -> InsurancePolicy:
    """Try a pending policy again (the binding job, or operations); others are returned unchanged."""
    policy = _policy(session, policy_id, None, for_update=True)
    if policy.status != "pending":
        return policy
    loan = loans.get_loan(session, policy.loan_id, None, for_update=True)
    if loan.status != "active":
        _set_status(session, context, policy, "lapsed", f"loan_{loan.status}")
        return policy
    _bind(session, context, policy, loan)
    return policy


def remit_premium(session: Session, context: audit.AuditContext, policy_id: uuid.UUID, *,
                  channel: str = DEFAULT_PREMIUM_CHANNEL) -> InsurancePolicy:
    """Pay a bound policy's premium on to its insurer; a premium paid already changes nothing."""
    policy = _policy(session, policy_id, None, for_update=True)
    if policy.status != "active" or policy.premium_remitted_at is not None:
        return policy
    premium = money(policy.premium_amount, policy.currency)
    payable = platform_account(session, "insurer:payable", policy.currency, policy.insurer)
    bank = platform_account(session, "platform:bank", policy.currency, channel)
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"lending:insurance:policy:{policy.id}:premium-remitted",
        postings=(posting(payable, ledger.Side.DEBIT, premium), posting(bank, ledger.Side.CREDIT, premium)),
        description="Insurance premium paid to the insurer"), details={"policy_id": str(policy.id)})
    policy.premium_remitted_at = get_clock().now()
    policy.updated_at = policy.premium_remitted_at
    session.flush()
    audit.record(session, context, "lending:insurance:premium_remitted", subject_type="lending_loan",
                 subject_id=policy.loan_id, organisation_id=policy.seller_organisation_id,
                 after={"policy_id": str(policy.id), "premium": str(premium), "channel": channel})
    return policy


def pending_policy_ids(session: Session) -> list[uuid.UUID]:
    return repository.policy_ids_with_status(session, "pending")


def unremitted_policy_ids(session: Session) -> list[uuid.UUID]:
    return repository.unremitted_policy_ids(session)


@dataclass(frozen=True, slots=True)
class LoanCover:
    policy: InsurancePolicy
    claims: list[InsuranceClaim]


def covers_of_loans(session: Session, loan_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[LoanCover]]:
    """The policies (and their claims) of each loan, for the Loans page: two queries for the page."""
    claims: dict[uuid.UUID, list[InsuranceClaim]] = {}
    for claim in repository.claims_of_loans(session, loan_ids):
        claims.setdefault(claim.policy_id, []).append(claim)
    found: dict[uuid.UUID, list[LoanCover]] = {}
    for policy in repository.policies_of_loans(session, loan_ids):
        found.setdefault(policy.loan_id, []).append(LoanCover(policy, claims.get(policy.id, [])))
    return found


def get_policy(session: Session, policy_id: uuid.UUID,
               seller_organisation_id: uuid.UUID | None) -> InsurancePolicy:
    return _policy(session, policy_id, seller_organisation_id)


def list_policies(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
                  request: PageRequest) -> Page[InsurancePolicy]:
    return repository.policies(session, seller_organisation_id, status, request)


def _policy(session: Session, policy_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
            for_update: bool = False) -> InsurancePolicy:
    policy = repository.policy(session, policy_id, seller_organisation_id, for_update=for_update)
    if policy is None:
        raise InsurancePolicyNotFound()
    return policy


def _bind(session: Session, context: audit.AuditContext, policy: InsurancePolicy, loan: Loan) -> None:
    guarded = insurer()
    request = BindRequest(f"lending:insurance:policy:{policy.id}", _quote_reference(session, policy),
                          Cover(policy.cover), policy.currency, policy.insured_amount, policy.premium_amount,
                          policy.starts_on, policy.ends_on)
    try:
        answer = guarded.call(lambda: guarded.insurer.bind(request))
    except InsurerUnavailable:
        if policy.status_reason != "insurer_unavailable":
            policy.status_reason = "insurer_unavailable"
            policy.updated_at = get_clock().now()
            session.flush()
        return
    premium = money(policy.premium_amount, policy.currency)
    fees = loans.accounts(session, loan).fees
    payable = platform_account(session, "insurer:payable", policy.currency, policy.insurer)
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"lending:insurance:policy:{policy.id}:premium",
        postings=(posting(fees, ledger.Side.DEBIT, premium), posting(payable, ledger.Side.CREDIT, premium)),
        description="Insurance premium charged to the loan"), details={"policy_id": str(policy.id)})
    now = get_clock().now()
    policy.insurer_reference = answer.reference
    policy.starts_on, policy.ends_on = answer.starts_on, answer.ends_on
    policy.bound_at = now
    _set_status(session, context, policy, "active", None)


def _set_status(session: Session, context: audit.AuditContext, policy: InsurancePolicy, status: str,
                reason: str | None) -> None:
    before = policy.status
    policy.status = status
    policy.status_reason = reason
    policy.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, f"lending:insurance:policy_{status}", subject_type="lending_loan",
                 subject_id=policy.loan_id, organisation_id=policy.seller_organisation_id,
                 before={"status": before}, after={
                     "policy_id": str(policy.id), "status": status, "reason": reason,
                     "insurer_reference": policy.insurer_reference,
                     "premium": str(money(policy.premium_amount, policy.currency))})


def _quote_reference(session: Session, policy: InsurancePolicy) -> str:
    quote = repository.quote(session, policy.quote_id)
    assert quote is not None  # a policy's quote is never deleted (foreign key)
    return quote.insurer_reference
