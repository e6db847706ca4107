"""Ledger errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_


class AccountNotFound(NotFound):
    code = "account_not_found"
    message = N_("Ledger account not found.")


class EntryNotFound(NotFound):
    code = "entry_not_found"
    message = N_("Journal entry not found.")


class HoldNotFound(NotFound):
    code = "hold_not_found"
    message = N_("No pending transfer with this id.")


class AccountTypeUnknown(ValidationFailed):
    code = "account_type_unknown"
    message = N_("{code} is not an account type of the chart of accounts.")


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"
    message = N_("Posting {index} is in {currency}, but the account is kept in {account_currency}.")


class AmountNotPositive(ValidationFailed):
    code = "amount_not_positive"
    message = N_("Posting {index}: the amount must be greater than zero.")


class AmountTooPrecise(ValidationFailed):
    code = "amount_too_precise"
    message = N_("Posting {index}: {currency} allows {digits} decimal places, {amount} has more.")


class EntryUnbalanced(ValidationFailed):
    code = "entry_unbalanced"
    message = N_("Debits and credits differ in {currency}: debits {debits}, credits {credits}.")


class EntryTooSmall(ValidationFailed):
    code = "entry_too_small"
    message = N_("A journal entry needs at least two postings.")


class FloorBreached(Conflict):
    code = "insufficient_funds"
    message = N_("The available balance of account {account} is not enough for this transfer.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = N_("The idempotency key {key} was already used for a different request.")


class HoldAlreadyResolved(Conflict):
    code = "hold_already_resolved"
    message = N_("This pending transfer is already {state}.")


class HoldAmountExceeded(ValidationFailed):
    code = "hold_amount_exceeded"
    message = N_("Only {held} is held; {amount} cannot be posted.")


class EntryAlreadyReversed(Conflict):
    code = "entry_already_reversed"
    message = N_("This journal entry has already been reversed.")


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    message = N_("Payment not found.")


class PayoutAccountNotAllowed(ValidationFailed):
    code = "payout_account_not_allowed"
    message = N_("Payouts can be made only from a wallet or from available capital.")


class NotABankAccount(ValidationFailed):
    code = "not_a_bank_account"
    message = N_("Statements are reconciled against the platform's bank accounts only.")


class StatementCurrencyMismatch(ValidationFailed):
    code = "statement_currency_mismatch"
    message = N_("Line {position} of statement {statement} is in {currency}, "
                 "the account in {account_currency}.")


class MatchNotPossible(Conflict):
    code = "match_not_possible"
    message = N_("This line and this posting cannot be matched: {reason}")


class ConversionNotAllowed(ValidationFailed):
    code = "conversion_not_allowed"
    message = N_("Conversions move money between one owner's balances in two currencies: {reason}")


class InterestRateUnknown(ValidationFailed):
    code = "interest_rate_unknown"
    message = N_("No money-market rate is configured for {currency}.")
