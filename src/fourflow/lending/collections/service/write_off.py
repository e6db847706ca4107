"""Write-off and recovery (MONEY-FLOWS event 10).

Write-off, one entry (key ``lending:loan:{id}:write-off``) with P, I, F the loan's posted principal,
interest and fees balances:

    Dr platform:expense:loan_loss   P + I + F      Cr loan:principal P, loan:interest I, loan:fees F
    Dr funder:deployed              P              Cr platform:expense:loan_loss P

The funder lent the principal, so by the participation agreement of the demo world it bears the
principal: its deployed capital is gone (funder:deployed falls by P and is not returned to
funder:available), which passes that part of the loss on from the platform's loan-loss expense. The
platform bears the unpaid interest and fees it had recognised as income (net expense I + F).

A loan with credit insurance claims first (``lending.insurance.claim_on_default``): the approved claim
leaves loan:principal for insurer:claims, so P above is what the claim did not cover.

Recovery, later, one entry per (loan, reference) (key ``lending:loan:{id}:recovery:{reference}``):

    Dr platform:bank:{channel} R   Cr platform:income:recovery R
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money, minor_units
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.lending.collections import repository
from fourflow.lending.collections.errors import (
    LoanNotDelinquentEnough,
    LoanNotWritable,
    RecoveryAmountInvalid,
    RecoveryCurrencyMismatch,
    RecoveryLoanNotWrittenOff,
    RecoveryReferenceMissing,
    RecoveryReferenceReused,
    WriteOffReasonMissing,
)
from fourflow.lending.collections.models import LoanRecovery, LoanWriteOff
from fourflow.lending.collections.service.actions import loan_delinquency
from fourflow.lending.insurance import service as insurance
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan

# A loan is written off once it is in the 90+ bucket.
MINIMUM_DAYS_PAST_DUE = 91


def _platform_account(session: Session, code: str, currency: str, subject: str = "") -> uuid.UUID:
    platform = identity.organisations_of_kind(session, "platform")[0]
    return ledger.open_account(session, platform.id, code, currency, subject=subject).id


def _posting(account_id: uuid.UUID, side: ledger.Side, amount: Money) -> ledger.Posting:
    return ledger.Posting(account_id, side, amount.amount, amount.currency)


def write_off(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, reason: str, *,
              written_off_by_user_id: uuid.UUID | None = None) -> LoanWriteOff:
    """Write the loan off; a loan written off already returns its write-off unchanged."""
    loan = loans.get_loan(session, loan_id, None, for_update=True)
    existing = repository.write_off_of(session, loan.id)
    if existing is not None:
        return existing
    if not reason or not reason.strip():
        raise WriteOffReasonMissing(field="reason")
    if loan.status != "active":
        raise LoanNotWritable(status=loan.status)
    today = get_clock().now().date()
    late = loan_delinquency(session, loan, today).delinquency
    if late.days_past_due < MINIMUM_DAYS_PAST_DUE:
        raise LoanNotDelinquentEnough(minimum=MINIMUM_DAYS_PAST_DUE - 1, days=late.days_past_due)
    insurance.claim_on_default(session, context, loan)  # credit cover claims first: less to write off
    held = loans.accounts(session, loan)
    owed = loans.balances(session, loan)
    loss = _platform_account(session, "platform:expense:loan_loss", loan.currency)
    postings = [_posting(loss, ledger.Side.DEBIT, owed.total)]
    for account_id, amount in ((held.principal, owed.principal), (held.interest, owed.interest),
                               (held.fees, owed.fees)):
        if not amount.is_zero():
            postings.append(_posting(account_id, ledger.Side.CREDIT, amount))
    if not owed.principal.is_zero():
        postings += [_posting(held.funder_deployed, ledger.Side.DEBIT, owed.principal),
                     _posting(loss, ledger.Side.CREDIT, owed.principal)]
    if not owed.total.is_zero():
        ledger.transfer(session, context, ledger.Transfer(
            idempotency_key=f"lending:loan:{loan.id}:write-off", postings=tuple(postings),
            description="Loan written off"), details={"loan_id": str(loan.id)})
    now = get_clock().now()
    row = LoanWriteOff(
        id=uuid.uuid4(), loan_id=loan.id, seller_organisation_id=loan.seller_organisation_id,
        written_off_on=today, days_past_due=late.days_past_due, currency=loan.currency,
        principal_amount=owed.principal.amount, interest_amount=owed.interest.amount,
        fees_amount=owed.fees.amount, funder_loss_amount=owed.principal.amount, reason=reason.strip()[:500],
        written_off_by_user_id=written_off_by_user_id, created_at=now)
    repository.add(session, row)
    loans.mark_written_off(session, loan, now)
    audit.record(session, context, "lending:loan:written_off", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                 before={"status": "active"}, after={
                     "status": "written_off", "days_past_due": late.days_past_due,
                     "principal": str(owed.principal), "interest": str(owed.interest),
                     "fees": str(owed.fees),
                     "funder_loss": str(owed.principal), "reason": row.reason})
    return row


@dataclass(frozen=True, slots=True)
class RecoveryRecorded:
    recovery: LoanRecovery
    created: bool


def record_recovery(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, amount: Decimal,
                    currency: str, reference: str, *, channel: str = loans.DEFAULT_COLLECTION_CHANNEL,
                    received_on: date | None = None,
                    recorded_by_user_id: uuid.UUID | None = None) -> RecoveryRecorded:
    """Money recovered on a written-off loan; the same reference and amount again changes nothing."""
    loan = loans.get_loan(session, loan_id, None, for_update=True)
    reference = (reference or "").strip()
    if not reference:
        raise RecoveryReferenceMissing(field="reference")
    if currency != loan.currency:
        raise RecoveryCurrencyMismatch(field="currency", currency=currency, loan_currency=loan.currency)
    digits = minor_units(currency)
    if amount <= 0 or amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise RecoveryAmountInvalid(field="amount", digits=digits)
    existing = repository.recovery(session, loan.id, reference)
    if existing is not None:
        if existing.amount != amount:
            raise RecoveryReferenceReused(field="reference", reference=reference)
        return RecoveryRecorded(existing, False)
    if loan.status != "written_off":
        raise RecoveryLoanNotWrittenOff(status=loan.status)
    money = Money(amount, currency).quantized()
    bank = _platform_account(session, "platform:bank", currency, channel)
    income = _platform_account(session, "platform:income:recovery", currency)
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"lending:loan:{loan.id}:recovery:{reference}",
        postings=(_posting(bank, ledger.Side.DEBIT, money), _posting(income, ledger.Side.CREDIT, money)),
        description="Recovery on a written-off loan"), details={"loan_id": str(loan.id)})
    now = get_clock().now()
    row = LoanRecovery(id=uuid.uuid4(), loan_id=loan.id, seller_organisation_id=loan.seller_organisation_id,
                       reference=reference, amount=money.amount, currency=currency, channel=channel,
                       received_on=received_on or now.date(), recorded_by_user_id=recorded_by_user_id,
                       created_at=now)
    repository.add(session, row)
    audit.record(session, context, "lending:loan:recovery_recorded", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                 after={"reference": reference, "amount": str(money), "channel": channel})
    return RecoveryRecorded(row, True)


def write_off_of(session: Session, loan: Loan) -> LoanWriteOff | None:
    return repository.write_off_of(session, loan.id)


def recoveries(session: Session, loan: Loan) -> list[LoanRecovery]:
    return repository.recoveries(session, loan.id)
