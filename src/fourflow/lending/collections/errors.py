"""Collections errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import Conflict, FourflowError, NotFound, ValidationFailed
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


class LockedStockNotShippable(Conflict):
    code = "locked_stock_not_shippable"
    message = N_("{units} units of {sku} cannot be shipped: {locked} are locked as security for a loan, "
                 "{shippable} can be shipped.")


class WarehouseUnavailable(FourflowError):
    code = "warehouse_unavailable"
    http_status = 503
    message = N_("The warehouse {warehouse} cannot be reached; nothing was locked or released. "
                 "Try again later.")


class NoStockToLock(Conflict):
    code = "no_stock_to_lock"
    message = N_("The seller has no pledged stock left to lock.")


class NoStockToRelease(Conflict):
    code = "no_stock_to_release"
    message = N_("Nothing is locked for this loan.")


class StockActionReasonMissing(ValidationFailed):
    code = "stock_action_reason_missing"
    message = N_("Give the reason for locking or releasing the stock.")


class LoanNotActive(Conflict):
    code = "loan_not_active"
    message = N_("Stock is locked for active loans only; this loan is {status}.")


class AlertNotFound(NotFound):
    code = "alert_not_found"
    message = N_("No such monitoring alert.")


class AlertAlreadyDecided(Conflict):
    code = "alert_already_decided"
    message = N_("This alert was {status} already.")


class DecisionReasonMissing(ValidationFailed):
    code = "decision_reason_missing"
    message = N_("Give the reason for your decision.")


class RecallNotFound(NotFound):
    code = "recall_not_found"
    message = N_("No such recall.")


class RecallLifted(Conflict):
    code = "recall_lifted"
    message = N_("This recall was lifted already.")


class LiftReasonMissing(ValidationFailed):
    code = "lift_reason_missing"
    message = N_("Give the reason for lifting it.")


class LoanRecalledAlready(Conflict):
    code = "loan_recalled_already"
    message = N_("This loan was recalled already on {recalled_on}; lift that recall first.")
