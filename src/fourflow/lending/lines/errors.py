"""Credit line errors, named <Noun><Problem>. Every refusal of a draw is raised before anything is
stored: a refused draw changes nothing."""

from __future__ import annotations

from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_


class CreditLineNotFound(NotFound):
    code = "credit_line_not_found"
    message = N_("No such credit line.")


class DrawIdempotencyKeyMissing(ValidationFailed):
    code = "idempotency_key_missing"
    message = N_("Send an Idempotency-Key header to draw on the credit line.")


class DrawAmountNotPositive(ValidationFailed):
    code = "draw_amount_not_positive"
    message = N_("The amount to draw must be greater than zero.")


class DrawAmountTooPrecise(ValidationFailed):
    code = "draw_amount_too_precise"
    message = N_("{amount} has more decimals than {currency} allows ({digits}).")


class DrawExceedsAvailable(Conflict):
    code = "draw_exceeds_available"
    message = N_("You can draw at most {available} now: {amount} is more than is available on the line.")


class DrawKeyReused(Conflict):
    code = "draw_key_reused"
    message = N_("This Idempotency-Key was used for a draw of {amount} already.")


class CreditLineFrozen(Conflict):
    code = "credit_line_frozen"
    message = N_("The credit line is frozen: no draws until a risk officer lifts the freeze.")


class CreditLineClosed(Conflict):
    code = "credit_line_closed"
    message = N_("The credit line is closed: no more draws.")


class CreditLineTermEnded(Conflict):
    code = "credit_line_term_ended"
    message = N_("The credit line's term ended on {term_end}: no more draws.")
