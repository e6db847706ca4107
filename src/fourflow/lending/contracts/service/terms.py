"""What a contract says: the terms an offer fills in. Plain frozen dataclasses, checked for
consistency when made, so a PDF never shows a schedule that does not add up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fourflow.core.i18n import LANGUAGES, Language
from fourflow.core.money import Money
from fourflow.lending.contracts.errors import ContractTermsInvalid


@dataclass(frozen=True, slots=True)
class ContractFee:
    description: str
    amount: Money


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    due_date: date
    principal: Money
    interest: Money
    total: Money


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """Rates are annual fractions (``Decimal("0.1200")`` is 12 %); the APR includes the fees."""

    contract_number: str
    language: Language
    seller_legal_name: str
    seller_address: str
    seller_registration_number: str
    lender_name: str
    product: str
    principal: Money
    annual_interest_rate: Decimal
    annual_percentage_rate: Decimal
    fees: tuple[ContractFee, ...]
    term_days: int
    disbursement_date: date
    schedule: tuple[ScheduleRow, ...]
    repayment_method: str
    use_of_funds: str
    governing_law: str
    # Optional insurance the seller chose with the offer (F27): each cover and its premium. Charged
    # to the loan's fees at disbursement; not part of the APR or the fees above (it is optional).
    insurance: tuple[ContractFee, ...] = ()

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ContractTermsInvalid(reason=f"language {self.language!r}", field="language")
        if not self.contract_number.strip():
            raise ContractTermsInvalid(reason="contract number is empty", field="contract_number")
        if self.principal.amount <= 0:
            raise ContractTermsInvalid(reason="principal must be positive", field="principal")
        if self.term_days <= 0:
            raise ContractTermsInvalid(reason="term must be positive", field="term_days")
        if not self.schedule:
            raise ContractTermsInvalid(reason="schedule is empty", field="schedule")
        self._check_amounts()

    def _check_amounts(self) -> None:
        amounts = [fee.amount for fee in self.fees]
        for row in self.schedule:
            amounts += [row.principal, row.interest, row.total]
            if row.principal.amount + row.interest.amount != row.total.amount:
                raise ContractTermsInvalid(reason=f"instalment of {row.due_date} does not add up",
                                           field="schedule")
            if row.due_date <= self.disbursement_date:
                raise ContractTermsInvalid(reason=f"instalment of {row.due_date} is due before "
                                           "disbursement", field="schedule")
        if any(amount.currency != self.currency for amount in amounts):
            raise ContractTermsInvalid(reason=f"every amount must be in {self.currency}",
                                       field="schedule")
        if sum((row.principal.amount for row in self.schedule), Decimal(0)) != self.principal.amount:
            raise ContractTermsInvalid(reason="the schedule's principal differs from the principal",
                                       field="schedule")
        dates = [row.due_date for row in self.schedule]
        if dates != sorted(set(dates)):
            raise ContractTermsInvalid(reason="due dates must increase", field="schedule")

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def maturity_date(self) -> date:
        return self.schedule[-1].due_date

    @property
    def total_interest(self) -> Money:
        return Money(sum((row.interest.amount for row in self.schedule), Decimal(0)), self.currency)

    @property
    def total_fees(self) -> Money:
        return Money(sum((fee.amount.amount for fee in self.fees), Decimal(0)), self.currency)

    @property
    def total_instalments(self) -> Money:
        return Money(sum((row.total.amount for row in self.schedule), Decimal(0)), self.currency)

    @property
    def total_cost_of_credit(self) -> Money:
        """What the credit costs beyond the principal: all interest and all fees."""
        return Money(self.total_interest.amount + self.total_fees.amount, self.currency)
