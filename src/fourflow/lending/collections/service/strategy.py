"""The collections strategy as versioned configuration: which actions a loan's bucket, overdue amount
and the seller's willingness to pay call for. A new strategy is a new version; actions store the
version that created them, so an action can always be explained."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from fourflow.core.i18n import N_
from fourflow.lending.collections.service.delinquency import Bucket


class Willingness(StrEnum):
    # Something was repaid on the loan in the last WILLINGNESS_WINDOW_DAYS days.
    WILLING = "willing"
    UNWILLING = "unwilling"


class Action(StrEnum):
    REMINDER = "reminder"
    CALL_TASK = "call_task"
    FORMAL_NOTICE = "formal_notice"
    STOCK_LOCK = "stock_lock"
    LEGAL = "legal"
    ASSET_DISPOSAL = "asset_disposal"


ACTION_LABELS = {
    Action.REMINDER: N_("Payment reminder"),
    Action.CALL_TASK: N_("Call the seller"),
    Action.FORMAL_NOTICE: N_("Formal notice"),
    Action.STOCK_LOCK: N_("Lock the pledged stock"),
    Action.LEGAL: N_("Legal proceedings"),
    Action.ASSET_DISPOSAL: N_("Dispose of the pledged assets"),
}
WILLINGNESS_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class Rule:
    bucket: Bucket
    action: Action
    minimum_overdue_amount: Decimal = Decimal(0)  # in the loan's currency
    willingness: Willingness | None = None  # None: whatever the willingness


@dataclass(frozen=True, slots=True)
class Strategy:
    version: str
    rules: tuple[Rule, ...]

    def actions_for(self, bucket: Bucket, overdue_amount: Decimal,
                    willingness: Willingness) -> list[Rule]:
        return [rule for rule in self.rules
                if rule.bucket is bucket and overdue_amount >= rule.minimum_overdue_amount
                and rule.willingness in (None, willingness)]


COLLECTIONS_V1 = Strategy("collections@v1", (
    Rule(Bucket.DPD_1_30, Action.REMINDER),
    Rule(Bucket.DPD_31_60, Action.REMINDER),
    Rule(Bucket.DPD_31_60, Action.CALL_TASK),
    # A seller who has stopped paying a large overdue amount gets the formal notice a month early.
    Rule(Bucket.DPD_31_60, Action.FORMAL_NOTICE, Decimal("5000"), Willingness.UNWILLING),
    Rule(Bucket.DPD_61_90, Action.FORMAL_NOTICE),
    Rule(Bucket.DPD_61_90, Action.STOCK_LOCK),
    Rule(Bucket.DPD_90_PLUS, Action.LEGAL),
    Rule(Bucket.DPD_90_PLUS, Action.ASSET_DISPOSAL),
))
STRATEGIES = {COLLECTIONS_V1.version: COLLECTIONS_V1}
CURRENT_STRATEGY = COLLECTIONS_V1
