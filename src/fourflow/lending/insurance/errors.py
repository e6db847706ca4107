"""Insurance errors, named <Noun><Problem>; each names the field it is about."""

from __future__ import annotations

from fourflow.core.errors import Conflict, FourflowError, NotFound, ValidationFailed
from fourflow.core.i18n import N_


class InsurerUnavailable(FourflowError):
    code = "insurer_unavailable"
    http_status = 503
    message = N_("The insurer {insurer} cannot be reached, so insurance is unavailable for now; nothing "
                 "was changed. Try again later.")


class InsuranceCoverUnknown(ValidationFailed):
    code = "insurance_cover_unknown"
    message = N_("{cover} is not an insurance cover; choose one of: {covers}.")


class InsuranceCoverNotOffered(ValidationFailed):
    code = "insurance_cover_not_offered"
    message = N_("{cover} insurance is not available for {product}.")


class InsuranceOfferNotOpen(Conflict):
    code = "insurance_offer_not_open"
    message = N_("Insurance can be quoted or chosen only on an open offer; this offer is {status}.")


class InsurancePolicyNotFound(NotFound):
    code = "insurance_policy_not_found"
    message = N_("No such insurance policy.")


class InsuranceClaimNotFound(NotFound):
    code = "insurance_claim_not_found"
    message = N_("No such insurance claim.")
