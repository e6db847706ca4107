"""Claims under credit cover when a loan defaults (MONEY-FLOWS event 11).

When collections write a loan off, its credit policy claims first, so the claim reduces the loss
written off. The insurer decides at once; an approved claim, one entry (key
``lending:insurance:policy:{id}:claim:default``), C = min(principal outstanding, insured) × indemnity:

    Dr insurer:claims  C      Cr loan:principal  C

The write-off then writes off the principal left (P − C), which is also all the funder loses: the
funder's capital C stays deployed, in the claim, until the insurer pays. Claim paid, one entry (key
``lending:insurance:claim:{id}:paid``):

    Dr platform:bank:{channel}  C      Cr insurer:claims  C
    Dr funder:deployed          C      Cr funder:available C   (the funder's capital comes back)

An insurer that cannot be reached refuses the write-off of an insured loan as a whole (nothing is
written off; the officer tries again), as the warehouse does for stock locks: writing off without the
claim would put the whole loss on the books. A declined claim posts nothing and the whole principal
is written off.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.pagination import Page, PageRequest
from fourflow.ledger import service as ledger
from fourflow.lending.insurance import repository
from fourflow.lending.insurance.errors import InsuranceClaimNotFound
from fourflow.lending.insurance.insurer.port import ClaimRequest, ClaimState, Cover
from fourflow.lending.insurance.insurer.registry import insurer
from fourflow.lending.insurance.models import InsuranceClaim
from fourflow.lending.insurance.service.common import money, platform_account, posting
from fourflow.lending.insurance.service.policies import DEFAULT_PREMIUM_CHANNEL
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan

DEFAULT = "default"


def claim_on_default(session: Session, context: audit.AuditContext, loan: Loan) -> list[InsuranceClaim]:
    """The hook the write-off calls before it reads the loan's balances: each in-force credit policy
    of the loan claims the principal outstanding, once."""
    made: list[InsuranceClaim] = []
    for policy in repository.policies_of_loan(session, loan.id, for_update=True):
        if policy.cover != Cover.CREDIT.value or policy.status != "active":
            continue
        existing = repository.claim_of(session, policy.id, DEFAULT)
        if existing is not None:
            made.append(existing)
            continue
        held = loans.accounts(session, loan)
        principal = money(loans.balances(session, loan).principal.amount, loan.currency)
        if principal.is_zero():
            continue
        today = get_clock().now().date()
        assert policy.insurer_reference is not None  # an active policy was bound
        request = ClaimRequest(f"lending:insurance:policy:{policy.id}:claim:{DEFAULT}",
            policy.insurer_reference,
                               Cover.CREDIT, loan.currency, principal.amount, today, policy.insured_amount,
                               policy.starts_on, policy.ends_on)
        guarded = insurer()
        decided = guarded.call(lambda: guarded.insurer.file_claim(request))  # noqa: B023 - called at once
        approved = money(decided.approved_amount, loan.currency)
        now = get_clock().now()
        claim = InsuranceClaim(
            id=uuid.uuid4(), policy_id=policy.id, loan_id=loan.id,
                seller_organisation_id=loan.seller_organisation_id,
            reason=DEFAULT, insurer_reference=decided.reference, currency=loan.currency, loss_on=today,
            loss_amount=principal.amount, approved_amount=approved.amount,
            status="declined" if decided.state is ClaimState.DECLINED else "approved",
            decision_reason=decided.reason, created_at=now, updated_at=now)
        repository.add(session, claim)
        if claim.status == "approved" and not approved.is_zero():
            claims = platform_account(session, "insurer:claims", loan.currency, policy.insurer)
            ledger.transfer(session, context, ledger.Transfer(
                idempotency_key=f"lending:insurance:policy:{policy.id}:claim:{DEFAULT}",
                postings=(posting(claims, ledger.Side.DEBIT, approved),
                          posting(held.principal, ledger.Side.CREDIT, approved)),
                description="Credit insurance claim on a defaulted loan"),
                    details={"claim_id": str(claim.id)})
        audit.record(session, context, "lending:insurance:claim_filed", subject_type="lending_loan",
                     subject_id=loan.id, organisation_id=loan.seller_organisation_id, after={
                         "claim_id": str(claim.id), "policy_id": str(policy.id), "loss": str(principal),
                         "approved": str(approved), "status": claim.status, "reason": claim.decision_reason,
                         "insurer_reference": claim.insurer_reference})
        made.append(claim)
    return made


def settle(session: Session, context: audit.AuditContext, claim_id: uuid.UUID, *,
           channel: str = DEFAULT_PREMIUM_CHANNEL) -> InsuranceClaim:
    """Ask the insurer about an approved claim; once it says paid, record the money in. A claim
    declined or paid already is returned unchanged."""
    claim = _claim(session, claim_id, None, for_update=True)
    if claim.status != "approved":
        return claim
    policy = repository.policy(session, claim.policy_id, None)
    assert policy is not None
    guarded = insurer()
    status = guarded.call(lambda: guarded.insurer.claim_status(claim.insurer_reference))
    if status.state is not ClaimState.PAID:
        return claim
    loan = loans.get_loan(session, claim.loan_id, None)
    held = loans.accounts(session, loan)
    paid = money(claim.approved_amount, claim.currency)
    bank = platform_account(session, "platform:bank", claim.currency, channel)
    claims = platform_account(session, "insurer:claims", claim.currency, policy.insurer)
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"lending:insurance:claim:{claim.id}:paid",
        postings=(posting(bank, ledger.Side.DEBIT, paid), posting(claims, ledger.Side.CREDIT, paid),
                  posting(held.funder_deployed, ledger.Side.DEBIT, paid),
                  posting(held.funder_available, ledger.Side.CREDIT, paid)),
        description="Insurance claim paid by the insurer"), details={"claim_id": str(claim.id)})
    claim.status = "paid"
    claim.paid_on = status.paid_on
    claim.payment_reference = status.payment_reference
    claim.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, "lending:insurance:claim_paid", subject_type="lending_loan",
                 subject_id=claim.loan_id, organisation_id=claim.seller_organisation_id,
                 before={"status": "approved"}, after={
                     "claim_id": str(claim.id), "status": "paid", "amount": str(paid), "channel": channel,
                     "payment_reference": claim.payment_reference})
    return claim


def approved_claim_ids(session: Session) -> list[uuid.UUID]:
    return repository.claim_ids_with_status(session, "approved")


def get_claim(session: Session, claim_id: uuid.UUID,
    seller_organisation_id: uuid.UUID | None) -> InsuranceClaim:
    return _claim(session, claim_id, seller_organisation_id)


def list_claims(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
                request: PageRequest) -> Page[InsuranceClaim]:
    return repository.claims(session, seller_organisation_id, status, request)


def _claim(session: Session, claim_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
           for_update: bool = False) -> InsuranceClaim:
    claim = repository.claim(session, claim_id, seller_organisation_id, for_update=for_update)
    if claim is None:
        raise InsuranceClaimNotFound()
    return claim
