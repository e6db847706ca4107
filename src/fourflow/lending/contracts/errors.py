"""Contract errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import (
    Conflict,
    FourflowError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from fourflow.core.i18n import N_


class ContractTermsInvalid(ValidationFailed):
    code = "contract_terms_invalid"
    message = N_("The contract terms are not consistent: {reason}")


class PlatformKeysMissing(FourflowError):
    code = "platform_keys_missing"
    http_status = 503
    message = N_("The platform's signing keys are not set up yet; run `fourflow demo-data` or start "
                 "the app once.")


class SigningConfirmationExpired(PermissionDenied):
    code = "signing_confirmation_expired"
    message = N_("The one-time code was confirmed too long ago; confirm with a new code to sign.")


class ContractFileTooLarge(FourflowError):
    code = "contract_file_too_large"
    http_status = 413
    message = N_("The file is larger than {limit_megabytes} MB; a contract is much smaller.")


class ContractFileMissing(ValidationFailed):
    code = "contract_file_missing"
    message = N_("Choose a PDF file to verify.")


class PlatformKeyUnreadable(FourflowError):
    code = "platform_key_unreadable"
    http_status = 500
    message = N_("The platform's signing keys cannot be opened with this installation's secret key.")


class ContractNotFound(NotFound):
    code = "contract_not_found"
    message = N_("No such contract.")


class OfferNotAccepted(Conflict):
    code = "offer_not_accepted"
    message = N_("Only an accepted offer becomes a contract; this offer is {status}.")


class SellerRegistrationMissing(Conflict):
    code = "seller_registration_missing"
    message = N_("The seller's business registration is not on record yet; a contract needs its legal "
                 "name, registered address and registration number.")


class ContractAlreadySigned(Conflict):
    code = "contract_already_signed"
    message = N_("This contract has been signed already.")


class SigningCodeInvalid(ValidationFailed):
    code = "signing_code_invalid"
    message = N_("The one-time code is wrong, used or expired; ask for a new code.")


class SigningNeedsBrowserSession(PermissionDenied):
    code = "signing_needs_browser_session"
    message = N_("A contract is signed by a person signed in with a browser, not by an API client.")


class SigningCodesTooMany(RateLimited):
    code = "signing_codes_too_many"
    message = N_("{limit} codes were sent for this contract in the last hour; use the newest one or try "
                 "again later.")
