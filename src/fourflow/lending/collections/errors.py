"""Collections errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import Conflict, ValidationFailed
from fourflow.core.i18n import N_


class LoanNotWritable(Conflict):
    code = "loan_not_writable_off"
    message = N_("Only an active loan can be written off; this one is {status}.")


class LoanNotDelinquentEnough(Conflict):
    code = "loan_not_delinquent_enough"
    message = N_("A loan is written off past {minimum} days past due; this one is {days} days past due.")


class WriteOffReasonMissing(ValidationFailed):
    code = "write_off_reason_missing"
    message = N_("Give the reason for the write-off.")


class RecoveryLoanNotWrittenOff(Conflict):
    code = "recovery_loan_not_written_off"
    message = N_("Money is recovered on written-off loans only; this loan is {status}.")


class RecoveryAmountInvalid(ValidationFailed):
    code = "recovery_amount_invalid"
    message = N_("The recovered amount must be greater than zero, with at most {digits} decimals.")


class RecoveryCurrencyMismatch(ValidationFailed):
    code = "recovery_currency_mismatch"
    message = N_("The loan is in {loan_currency}, not {currency}.")


class RecoveryReferenceMissing(ValidationFailed):
    code = "recovery_reference_missing"
    message = N_("Give the recovery's reference.")


class RecoveryReferenceReused(Conflict):
    code = "recovery_reference_reused"
    message = N_("The recovery {reference} was recorded already with a different amount.")


class AsOfDateInFuture(ValidationFailed):
    code = "as_of_date_in_future"
    message = N_("Days past due are known up to today ({today}), not on {as_of}.")
