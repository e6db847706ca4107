"""Loan errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_, Language, translate


class LoanNotFound(NotFound):
    code = "loan_not_found"
    message = N_("No such loan.")


class OfferNotAccepted(Conflict):
    code = "offer_not_accepted"
    message = N_("Only an accepted offer can be booked as a loan; this one is {status}.")


class OfferOpensCreditLine(Conflict):
    code = "offer_opens_credit_line"
    message = N_("This offer opened a credit line: draw on the line instead of booking a loan.")


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


class DisbursementConditionsUnmet(Conflict):
    """Nothing moves while a disbursement condition is unmet; the message names each of them."""

    code = "disbursement_conditions_unmet"
    message = N_("The loan cannot be disbursed yet: {conditions} not met.")

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels  # msgids of the unmet conditions, translated when shown
        super().__init__(field="conditions", conditions=", ".join(labels))

    def localised(self, language: Language) -> str:
        separator = "、" if language == "zh_Hans" else ", "
        names = separator.join(translate(label, language) for label in self.labels)
        return translate(self.message, language, conditions=names)


class SupplierNotPayee(ValidationFailed):
    code = "supplier_not_payee"
    message = N_("The supplier {supplier} is not the payee named in the application ({payee}).")


class SupplierNotAllowed(ValidationFailed):
    code = "supplier_not_allowed"
    message = N_("This product pays the seller's wallet: a supplier cannot be named.")


class ShipmentNotExpected(ValidationFailed):
    code = "shipment_not_expected"
    message = N_("This product does not wait for a shipment: no tracking number can be named.")


class ShipmentDetailsIncomplete(ValidationFailed):
    code = "shipment_details_incomplete"
    message = N_("Name both the shipment's tracking number and the warehouse it must arrive at.")


class LoanNotRecallable(Conflict):
    code = "loan_not_recallable"
    message = N_("Only an active loan can be recalled; this one is {status}.")


class DailyAdvanceNotOffered(ValidationFailed):
    code = "daily_advance_not_offered"
    message = N_("The daily advance comes with receivables financing; this loan is {product}.")


class ReceivablesFacilityMissing(Conflict):
    code = "receivables_facility_missing"
    message = N_("The daily advance needs an active receivables-financing loan of the seller.")


class DailyAdvanceAlreadyEnrolled(Conflict):
    code = "daily_advance_already_enrolled"
    message = N_("The seller is enrolled in the daily advance already.")


class DailyAdvanceNotEnrolled(Conflict):
    code = "daily_advance_not_enrolled"
    message = N_("The seller is not enrolled in the daily advance.")
