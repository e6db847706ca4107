"""Rules of the risk engine (F10): JDM rule sets run by GoRules zen-engine, their diffs and backtests.

Pure computation: storing versions, approving them and recording decisions belong to the risk service.
"""

from fourflow.risk.rules.backtest import (
    BacktestFailure,
    BacktestReport,
    OutcomeChange,
    PastDecision,
    backtest,
)
from fourflow.risk.rules.defaults import (
    DEFAULT_RULE_SET_NAMES,
    HARD_LINES,
    POLICY,
    HardLinesInput,
    HardLinesVerdict,
    PolicyInput,
    PolicyVerdict,
    default_rule_set,
    default_rule_set_source,
    reason_message,
)
from fourflow.risk.rules.diff import CellChange, RuleChange, diff_rule_sets
from fourflow.risk.rules.engine import CompiledRuleSet, FiredRule, RuleOutcome, compile_rule_set, content_hash
from fourflow.risk.rules.errors import RuleSetDoesNotCompile, RuleSetEvaluationFailed, RuleSetMalformed

__all__ = [
    "DEFAULT_RULE_SET_NAMES",
    "HARD_LINES",
    "POLICY",
    "BacktestFailure",
    "BacktestReport",
    "CellChange",
    "CompiledRuleSet",
    "FiredRule",
    "HardLinesInput",
    "HardLinesVerdict",
    "OutcomeChange",
    "PastDecision",
    "PolicyInput",
    "PolicyVerdict",
    "RuleChange",
    "RuleOutcome",
    "RuleSetDoesNotCompile",
    "RuleSetEvaluationFailed",
    "RuleSetMalformed",
    "backtest",
    "compile_rule_set",
    "content_hash",
    "default_rule_set",
    "default_rule_set_source",
    "diff_rule_sets",
    "reason_message",
]
