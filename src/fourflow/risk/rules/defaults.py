"""The two rule sets shipped with Fourflow, and typed doors in and out of them.

``hard_lines`` (compliance owns it) answers decline / refer / observation / pass with reason codes;
``policy`` (credit owns it) answers product eligibility and manual-review triggers. They are two
rule sets rather than one graph because different people change them at different rhythms, and a
version of each is stored with every decision. Both use a *collect* decision table, so every rule
that applies is reported (a seller declined for sanctions also learns their history is short), and
an expression node that ranks the hits; ``policy`` first looks up the product's terms in a
*first-hit* table so a product's thresholds are one row to edit.

The JSON files under ``default_rule_sets/`` are plain JDM: they open in the GoRules editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from fourflow.core.i18n import N_
from fourflow.risk.rules.engine import CompiledRuleSet, RuleOutcome, compile_rule_set

HARD_LINES = "hard_lines"
POLICY = "policy"
DEFAULT_RULE_SET_NAMES: tuple[str, ...] = (HARD_LINES, POLICY)

HardLineOutcome = Literal["decline", "refer", "observation", "pass"]
HARD_LINE_OUTCOMES: tuple[HardLineOutcome, ...] = ("decline", "refer", "observation", "pass")
COMPANY_STATUSES = ("active", "dormant", "dissolved", "liquidation")

# What each reason code of the shipped rule sets means, for pages and letters. A rule set edited
# later may add codes; show the code itself when it has no entry here.
REASON_MESSAGES: dict[str, str] = {
    "sanctions_hit": N_("A confirmed match on a sanctions list."),
    "sanctions_not_screened": N_("Sanctions screening has not been done."),
    "embargoed_country": N_("The company is registered in an embargoed country."),
    "embargoed_region": N_("The company is registered in an embargoed region."),
    "high_risk_country": N_("The company is registered in a high-risk country."),
    "high_risk_region": N_("The company is registered in a high-risk region."),
    "country_unknown": N_("The country of registration is missing."),
    "company_closed": N_("The company is dissolved or in liquidation."),
    "company_dormant": N_("The company is dormant."),
    "company_status_unknown": N_("The company's registry status is missing or unknown."),
    "history_too_short": N_("The trading history is too short."),
    "history_short": N_("The trading history is short."),
    "history_unknown": N_("The trading history is missing."),
    "fraud_ring": N_("The company is part of a network flagged as a fraud ring."),
    "circular_trading": N_("The company is part of a circular trading pattern."),
    "product_unknown": N_("The product is not one we offer."),
    "grade_unknown": N_("There is no risk grade yet."),
    "grade_below_minimum": N_("The risk grade is below the product's minimum."),
    "history_below_minimum": N_("The trading history is shorter than the product requires."),
    "sales_unknown": N_("Monthly sales are missing."),
    "sales_below_minimum": N_("Monthly sales are below the product's minimum."),
    "no_stock": N_("There is no stock in a partner warehouse to finance."),
    "amount_over_sales_multiple": N_("The amount is large compared with monthly sales."),
    "grade_d": N_("Grade D needs a manual review."),
    "anomaly_flagged": N_("The anomaly model flagged unusual activity."),
    "new_bank_account": N_("The payout bank account was added less than 30 days before the drawdown."),
    "new_device": N_("The request comes from a device not seen before."),
}


def default_rule_set_source(name: str) -> bytes:
    """The JDM JSON of a shipped rule set, as stored (e.g. to seed version 1 in the database)."""
    if name not in DEFAULT_RULE_SET_NAMES:
        raise KeyError(name)
    return (resources.files("fourflow.risk.rules") / "default_rule_sets" / f"{name}.json").read_bytes()


@cache
def default_rule_set(name: str) -> CompiledRuleSet:
    """A shipped rule set, compiled once per process."""
    return compile_rule_set(default_rule_set_source(name))


@dataclass(frozen=True, slots=True)
class HardLinesInput:
    """Facts the hard lines read. ``None`` means "not known": the rules refer rather than pass."""

    sanctions_hit: bool | None
    country: str | None  # ISO 3166-1 alpha-2, upper case
    company_status: str | None  # one of COMPANY_STATUSES
    history_months: int | None
    in_fraud_ring: bool = False
    in_circular_trading: bool = False
    region: str | None = None  # ISO 3166-2 subdivision (UA-43 …) where the registry gives one

    def to_inputs(self) -> dict[str, Any]:
        return {"sanctions_hit": self.sanctions_hit, "country": self.country, "region": self.region,
                "company_status": self.company_status, "history_months": self.history_months,
                "in_fraud_ring": self.in_fraud_ring, "in_circular_trading": self.in_circular_trading}


@dataclass(frozen=True, slots=True)
class HardLinesVerdict:
    outcome: HardLineOutcome
    reasons: tuple[str, ...]

    @classmethod
    def from_outcome(cls, outcome: RuleOutcome) -> HardLinesVerdict:
        return cls(outcome=_hard_line_outcome(outcome.outputs.get("outcome")),
                   reasons=_codes(outcome.outputs.get("reasons")))


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """Facts the policy reads; amounts are in one currency (the seller's)."""

    product: str
    grade: str | None  # A (best) … E
    history_months: int | None
    monthly_sales: Decimal | None
    requested_amount: Decimal | None = None
    has_stock: bool | None = None
    anomaly_flagged: bool = False
    bank_account_age_days: int | None = None  # age of the payout account on the drawdown date
    new_device: bool = False

    def to_inputs(self) -> dict[str, Any]:
        return {"product": self.product, "grade": self.grade, "history_months": self.history_months,
                "monthly_sales": self.monthly_sales, "requested_amount": self.requested_amount,
                "has_stock": self.has_stock, "anomaly_flagged": self.anomaly_flagged,
                "bank_account_age_days": self.bank_account_age_days, "new_device": self.new_device}


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    eligible: bool
    manual_review: bool
    reasons: tuple[str, ...]

    @classmethod
    def from_outcome(cls, outcome: RuleOutcome) -> PolicyVerdict:
        # A rule set that omits a verdict field must fail safe: not eligible, reviewed by a person.
        return cls(eligible=outcome.outputs.get("eligible") is True,
                   manual_review=outcome.outputs.get("manual_review") is not False,
                   reasons=_codes(outcome.outputs.get("reasons")))


def _hard_line_outcome(value: object) -> HardLineOutcome:
    # An edited rule set answering something unknown is treated as "refer", never as "pass".
    for known in HARD_LINE_OUTCOMES:
        if value == known:
            return known
    return "refer"


def _codes(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(code) for code in value if code is not None)
    return ()


def reason_message(code: str) -> str:
    """The msgid explaining a reason code, or the code itself for codes added by an edited rule set."""
    return REASON_MESSAGES.get(code, code)
