"""Loans and their money (F21, F24): booking from an accepted offer (``loans``), disbursement conditions
evaluated on events (``conditions``), disbursement into the seller's wallet or to a supplier through
the payment router (``disbursement``), daily interest accrual (``accrual``) and repayment from
marketplace payouts
(``payouts``), and the daily advance of receivables financing, netted from the payouts (``advances``).
Every money movement is one balanced ledger entry with an idempotency key derived from
the loan (or the payout), posted in the same transaction as the change that causes it, and every
change is audited there too.

Accounts (MONEY-FLOWS.md): per loan ``loan:principal``, ``loan:interest``, ``loan:fees`` (owned by the
seller, subject the loan's id); the seller's ``seller:wallet`` and ``seller:collections``; the funder's
``funder:available`` and ``funder:deployed``; the platform's ``platform:income:fees``,
``platform:income:interest`` and the ``platform:bank`` account payouts arrive at.

Locking: a booking takes an advisory lock on the offer; disbursement, accrual and payouts lock the
loan rows (``FOR UPDATE``); a payout first inserts its (seller, reference) row, so concurrent
deliveries of one payout queue on that unique key and all but the first find it applied.
"""

from fourflow.lending.loans.service.accrual import accrue_all, accrue_interest, active_loan_ids
from fourflow.lending.loans.service.advances import (
    AdvanceOutcome,
    AdvanceSummary,
    advance_day,
    advance_facility,
    enrol,
    enrolled_seller_ids,
    enrolment_of,
    list_advances,
    nettings_of,
    nettings_of_payout,
    orders_of,
    summary,
    unenrol,
)
from fourflow.lending.loans.service.common import (
    DEFAULT_COLLECTION_CHANNEL,
    DEFAULT_FUNDER,
    LoanAccounts,
    LoanBalances,
    accounts,
)
from fourflow.lending.loans.service.conditions import (
    EVENT_LABELS,
    ConditionEvent,
    FinancedShipment,
    book_draw,
    book_loan,
    conditions,
    conditions_of_loans,
    describe_reason,
    disburse,
    evaluate_loan,
    evaluate_waiting,
    evaluations,
    latest_reasons,
    waiting_loan_ids,
)
from fourflow.lending.loans.service.disbursement import (
    COMPLETE_DISBURSEMENT_TASK,
    complete_disbursement,
    disbursed_amount,
    disbursement_key,
    disbursements,
    pending_disbursement_loan_ids,
)
from fourflow.lending.loans.service.loans import (
    SupplierPayee,
    balances,
    get_loan,
    list_loans,
    loan_of_offer_exists,
    mark_written_off,
    repayments,
    schedule,
)
from fourflow.lending.loans.service.payouts import PayoutApplied, apply_payout, payout_repayments
from fourflow.lending.loans.service.recall import Recalled, recall_now, restore_plan
from fourflow.lending.loans.service.statement_pdf import statement_pdf
from fourflow.lending.loans.service.statements import (
    MonthlyFlow,
    NextDue,
    StatementLine,
    monthly_flows,
    next_due,
    statement,
)

__all__ = [
    "COMPLETE_DISBURSEMENT_TASK",
    "DEFAULT_COLLECTION_CHANNEL",
    "DEFAULT_FUNDER",
    "EVENT_LABELS",
    "AdvanceOutcome",
    "AdvanceSummary",
    "ConditionEvent",
    "FinancedShipment",
    "LoanAccounts",
    "LoanBalances",
    "MonthlyFlow",
    "NextDue",
    "PayoutApplied",
    "Recalled",
    "StatementLine",
    "SupplierPayee",
    "accounts",
    "accrue_all",
    "accrue_interest",
    "active_loan_ids",
    "advance_day",
    "advance_facility",
    "apply_payout",
    "balances",
    "book_draw",
    "book_loan",
    "complete_disbursement",
    "conditions",
    "conditions_of_loans",
    "describe_reason",
    "disburse",
    "disbursed_amount",
    "disbursement_key",
    "disbursements",
    "enrol",
    "enrolled_seller_ids",
    "enrolment_of",
    "evaluate_loan",
    "evaluate_waiting",
    "evaluations",
    "get_loan",
    "latest_reasons",
    "list_advances",
    "list_loans",
    "loan_of_offer_exists",
    "mark_written_off",
    "monthly_flows",
    "nettings_of",
    "nettings_of_payout",
    "next_due",
    "orders_of",
    "payout_repayments",
    "pending_disbursement_loan_ids",
    "recall_now",
    "repayments",
    "restore_plan",
    "schedule",
    "statement",
    "statement_pdf",
    "summary",
    "unenrol",
    "waiting_loan_ids",
]
