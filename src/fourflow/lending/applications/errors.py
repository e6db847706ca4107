"""Application and offer errors, named <Noun><Problem>; each names the field it is about."""

from __future__ import annotations

from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    message = N_("No such financing application.")


class OfferNotFound(NotFound):
    code = "offer_not_found"
    message = N_("No such offer.")


class ProductUnknown(ValidationFailed):
    code = "product_unknown"
    message = N_("{product} is not a financing product; choose one of: {products}.")


class AmountNotPositive(ValidationFailed):
    code = "amount_not_positive"
    message = N_("The amount must be greater than zero.")


class AmountOverLimit(ValidationFailed):
    code = "amount_over_limit"
    message = N_("The amount is over the credit limit of {limit}.")


class CurrencyNotAllowed(ValidationFailed):
    code = "currency_not_allowed"
    message = N_("{product} is lent in {currencies} only, not in {currency}.")


class TenorOutOfBounds(ValidationFailed):
    code = "tenor_out_of_bounds"
    message = N_("The term of {product} must be between {minimum} and {maximum} days.")


class ApplicationIncomplete(ValidationFailed):
    code = "application_incomplete"
    message = N_("Fill in {fields} before submitting.")


class ApplicationNotDraft(Conflict):
    code = "application_not_draft"
    message = N_("This application has been submitted already; it can no longer be changed or "
                 "submitted again.")


class ApplicationNotInReview(Conflict):
    code = "application_not_in_review"
    message = N_("This application is not waiting for a review.")


class ReviewReasonMissing(ValidationFailed):
    code = "review_reason_missing"
    message = N_("Give the reason for the review decision.")


class OfferExpired(Conflict):
    code = "offer_expired"
    message = N_("This offer expired on {expires_at}; submit a new application.")


class OfferNotOpen(Conflict):
    code = "offer_not_open"
    message = N_("This offer has been {status} already.")
