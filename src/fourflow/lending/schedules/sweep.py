"""The payout sweep: how much of a marketplace payout repays the loan before the rest reaches the
seller's wallet.

The deduction is the remittance rate × the payout (rounded half to even), raised to the minimum
that has fallen due and is unpaid, and never more than the payout or than what the loan is owed:

    deduction = min(payout, owed, max(rate × payout, minimum due))
    released  = payout − deduction

With a remittance rate of 1 the whole payout goes to the loan until it is repaid (the receivable
itself financed). The deduction is then allocated fees → interest → principal (``allocation``).

The minimum due is cumulative, as in revenue-based financing: by each due date of the planned
schedule (``schedules.payout_sweep``) the seller must have paid at least the planned totals to
that date; whatever the sweeps already paid counts towards it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fourflow.core.money import Money
from fourflow.lending.schedules.amounts import (
    CONTEXT,
    require_currency,
    require_minor_units,
    require_not_negative,
    round_half_even,
    total,
    zero_amount,
)
from fourflow.lending.schedules.schedules import Schedule, SweepTerms


@dataclass(frozen=True, slots=True)
class SweepState:
    owed: Money  # everything that settles the loan now: the payoff quote's total
    minimum_due: Money  # minimum payments fallen due and not yet paid (``minimum_due``)


@dataclass(frozen=True, slots=True)
class SweepResult:
    payout: Money
    remittance: Money  # remittance rate × payout, rounded half to even
    deduction: Money  # what the loan takes
    released: Money  # what reaches the seller's wallet
    minimum_shortfall: Money  # the part of the minimum due this payout could not cover


def minimum_due(schedule: Schedule, paid_to_date: Money, on: date) -> Money:
    """The planned totals due on or before ``on``, less everything paid so far, never below zero."""
    require_currency(paid_to_date, schedule.currency, "paid_to_date")
    require_not_negative(paid_to_date, "paid_to_date")
    planned = total((instalment.total for instalment in schedule.instalments if instalment.due_on <= on),
                    schedule.currency)
    return max(planned - paid_to_date, zero_amount(schedule.currency))


def sweep_payout(payout: Money, terms: SweepTerms, state: SweepState) -> SweepResult:
    currency = payout.currency
    for name, amount in (("payout", payout), ("owed", state.owed), ("minimum_due", state.minimum_due)):
        require_currency(amount, currency, name)
        require_not_negative(amount, name)
        require_minor_units(amount, name)
    remittance = round_half_even(CONTEXT.multiply(payout.amount, terms.remittance_rate), currency)
    deduction = min(payout, state.owed, max(remittance, state.minimum_due))
    shortfall = max(min(state.minimum_due, state.owed) - deduction, zero_amount(currency))
    return SweepResult(payout, remittance, deduction, payout - deduction, shortfall)
