"""Loan errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_


class LoanNotFound(NotFound):
    code = "loan_not_found"
    message = N_("No such loan.")


class OfferNotAccepted(Conflict):
    code = "offer_not_accepted"
    message = N_("Only an accepted offer can be booked as a loan; this one is {status}.")


class LoanAlreadyBooked(Conflict):
    code = "loan_already_booked"
    message = N_("A loan has been booked on this offer already.")


class IdempotencyKeyMissing(ValidationFailed):
    code = "idempotency_key_missing"
    message = N_("Send an Idempotency-Key header to book a loan.")


class FunderCapitalInsufficient(Conflict):
    code = "funder_capital_insufficient"
    message = N_("The funder has {available} available, not enough to lend {amount}.")


class AccrualDateInFuture(ValidationFailed):
    code = "accrual_date_in_future"
    message = N_("Interest can be accrued up to yesterday ({yesterday}), not up to {through}.")


class PayoutAmountNotPositive(ValidationFailed):
    code = "payout_amount_not_positive"
    message = N_("The payout amount must be greater than zero.")


class PayoutAmountTooPrecise(ValidationFailed):
    code = "payout_amount_too_precise"
    message = N_("{amount} has more decimals than {currency} allows ({digits}).")


class PayoutReferenceMissing(ValidationFailed):
    code = "payout_reference_missing"
    message = N_("Give the payout's reference.")


class PayoutReferenceReused(Conflict):
    code = "payout_reference_reused"
    message = N_("The payout {reference} was applied already with a different amount or currency.")


class PayoutCurrencyMismatch(ValidationFailed):
    code = "payout_currency_mismatch"
    message = N_("The payout is in {currency}, but the seller's loans are in {loan_currencies}.")


class SellerNotFound(NotFound):
    code = "seller_not_found"
    message = N_("No such seller.")


class LoanNotRecallable(Conflict):
    code = "loan_not_recallable"
    message = N_("Only an active loan can be recalled; this one is {status}.")
