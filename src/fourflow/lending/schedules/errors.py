"""Errors of schedules, accrual, allocation and sweeps, named <Noun><Problem>. Each carries the
field it is about, so a form or an API client can point at it."""

from __future__ import annotations

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_


class DayCountConventionUnknown(ValidationFailed):
    code = "day_count_convention_unknown"
    message = N_("{convention} is not a day-count convention Fourflow knows; use one of {known}.")


class DateRangeInvalid(ValidationFailed):
    code = "date_range_invalid"
    message = N_("The end date {end} is before the start date {start}.")


class AmountNegative(ValidationFailed):
    code = "amount_negative"
    message = N_("{name} must not be negative.")


class AmountNotPositive(ValidationFailed):
    code = "amount_not_positive"
    message = N_("{name} must be greater than zero.")


class AmountNotWholeMinorUnits(ValidationFailed):
    code = "amount_not_whole_minor_units"
    message = N_("{name} has more decimal places than {currency} allows.")


class AmountCurrencyMismatch(ValidationFailed):
    code = "amount_currency_mismatch"
    message = N_("{name} must be in {currency}, the loan's currency.")


class LoanTermsInvalid(ValidationFailed):
    """Terms that cannot make a schedule: no instalments, due dates out of order, rates out of range."""

    code = "loan_terms_invalid"
    message = N_("The loan terms are not valid.")


class RepaymentExceedsOutstanding(ValidationFailed):
    code = "repayment_exceeds_outstanding"
    message = N_("The principal repaid, {repaid}, is more than the {outstanding} outstanding.")


# Messages of LoanTermsInvalid, one per problem.
TERM_NOT_POSITIVE = N_("{name} must be at least one day.")
INSTALMENTS_OUT_OF_RANGE = N_("The number of instalments must be between 1 and {maximum}.")
COUNT_NOT_POSITIVE = N_("{name} must be at least 1.")
DUE_DATES_EMPTY = N_("A schedule needs at least one due date.")
DUE_DATES_NOT_INCREASING = N_("Each due date must come after the previous one and after {start_on}.")
RATE_OUT_OF_RANGE = N_("{name} must be between {low} and {high}.")
DAYS_NEGATIVE = N_("{name} must not be negative.")
REPAYMENT_OUTSIDE_PERIOD = N_("A principal repayment on {on} falls outside the period from {start} to {end}.")
NOTHING_TO_REAMORTISE = N_("No principal is left to re-amortise; settle the loan with a payoff quote.")
OUTSTANDING_ABOVE_PLAN = N_("The outstanding principal {outstanding} is more than the schedule's {planned}.")
INSTALMENT_NOT_IN_SCHEDULE = N_("The schedule has no instalment {number}.")
PREPAYMENT_DATE_OUT_OF_RANGE = N_("The prepayment date must be on or after {earliest} and before "
                                  "{next_due_on}.")
