"""Insurance on financing (F27): quotes on offers and the seller's choice (``quotes``), policies bound
at disbursement and their premium (``policies``), claims on default and their payment (``claims``).
Every money movement is one balanced ledger entry keyed by the policy or claim, posted in the same
transaction as the change that causes it, and every change is audited there too.

Hooks: ``loans.disburse`` calls ``bind_on_disbursement`` once the money has left; the collections
write-off calls ``claim_on_default`` before it reads what is left to write off.
"""

from fourflow.lending.insurance.service.claims import (
    approved_claim_ids,
    claim_on_default,
    get_claim,
    list_claims,
    settle,
)
from fourflow.lending.insurance.service.common import (
    CLAIM_STATUS_LABELS,
    COVER_LABELS,
    COVER_TEXTS,
    POLICY_STATUS_LABELS,
    covers_of,
)
from fourflow.lending.insurance.service.policies import (
    DEFAULT_PREMIUM_CHANNEL,
    LoanCover,
    bind_on_disbursement,
    bind_pending,
    covers_of_loans,
    get_policy,
    list_policies,
    pending_policy_ids,
    remit_premium,
    unremitted_policy_ids,
)
from fourflow.lending.insurance.service.quotes import (
    Option,
    accept_offer,
    chosen_quotes,
    options,
    quotes_of_offer,
    request_quotes,
)

__all__ = [
    "CLAIM_STATUS_LABELS",
    "COVER_LABELS",
    "COVER_TEXTS",
    "DEFAULT_PREMIUM_CHANNEL",
    "POLICY_STATUS_LABELS",
    "LoanCover",
    "Option",
    "accept_offer",
    "approved_claim_ids",
    "bind_on_disbursement",
    "bind_pending",
    "chosen_quotes",
    "claim_on_default",
    "covers_of",
    "covers_of_loans",
    "get_claim",
    "get_policy",
    "list_claims",
    "list_policies",
    "options",
    "pending_policy_ids",
    "quotes_of_offer",
    "remit_premium",
    "request_quotes",
    "settle",
    "unremitted_policy_ids",
]
