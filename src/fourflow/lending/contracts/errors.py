"""Contract errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import FourflowError, PermissionDenied, ValidationFailed
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
