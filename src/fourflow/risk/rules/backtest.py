"""Replaying past decisions through a new rule-set version before it is approved.

Every decision stored the inputs its rules saw and what they answered, so a candidate version can
be run on the same inputs and the differences counted: "this edit would have declined 12 sellers
we passed". A past decision the new version cannot evaluate is counted as failed and listed, not
allowed to stop the run: one odd record must not hide the other ten thousand results.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fourflow.risk.rules.engine import CompiledRuleSet, FiredRule
from fourflow.risk.rules.errors import RuleSetEvaluationFailed


@dataclass(frozen=True, slots=True)
class PastDecision:
    decision_id: str
    inputs: Mapping[str, Any]  # the rule inputs stored with the decision
    outcome: Mapping[str, Any]  # the rule outputs stored with the decision


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    decision_id: str
    old_outcome: dict[str, Any]
    new_outcome: dict[str, Any]
    changed_fields: tuple[str, ...]
    fired: tuple[FiredRule, ...]  # the rows of the new version that fired: why it answers differently

    def to_dict(self) -> dict[str, Any]:
        return {"decision_id": self.decision_id, "old_outcome": self.old_outcome,
                "new_outcome": self.new_outcome, "changed_fields": list(self.changed_fields),
                "fired": [rule.to_dict() for rule in self.fired]}


@dataclass(frozen=True, slots=True)
class BacktestFailure:
    decision_id: str
    problem: str

    def to_dict(self) -> dict[str, str]:
        return {"decision_id": self.decision_id, "problem": self.problem}


@dataclass(frozen=True, slots=True)
class BacktestReport:
    total: int
    same: int
    changed: int
    failed: int
    changes: tuple[OutcomeChange, ...]
    failures: tuple[BacktestFailure, ...]
    # How often the headline field moved from one value to another: {("pass", "decline"): 12}.
    transitions: dict[tuple[str, str], int]

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "same": self.same, "changed": self.changed, "failed": self.failed,
                "changes": [change.to_dict() for change in self.changes],
                "failures": [failure.to_dict() for failure in self.failures],
                "transitions": [{"old": old, "new": new, "count": count}
                                for (old, new), count in sorted(self.transitions.items())]}


def backtest(compiled_new: CompiledRuleSet, past: Iterable[PastDecision], *,
             compare: Sequence[str] | None = None, headline: str | None = None) -> BacktestReport:
    """Evaluate ``compiled_new`` on each past decision's inputs and compare with its stored outcome.

    ``compare`` limits the comparison to some output fields (say ``["outcome"]`` to ignore changes
    in reason wording); by default every field in either outcome counts. ``headline`` names the field
    whose old → new values are tallied in ``transitions`` (``outcome`` or ``eligible``), when given.
    """
    total = same = 0
    changes: list[OutcomeChange] = []
    failures: list[BacktestFailure] = []
    transitions: Counter[tuple[str, str]] = Counter()
    for decision in past:
        total += 1
        try:
            result = compiled_new.evaluate(decision.inputs)
        except RuleSetEvaluationFailed as exc:
            failures.append(BacktestFailure(decision.decision_id, str(exc.params.get("problem", exc))))
            continue
        old = dict(decision.outcome)
        changed_fields = _changed_fields(old, result.outputs, compare)
        if not changed_fields:
            same += 1
            continue
        changes.append(OutcomeChange(decision_id=decision.decision_id, old_outcome=old,
                                     new_outcome=result.outputs, changed_fields=changed_fields,
                                     fired=result.fired))
        if headline is not None and headline in changed_fields:
            transitions[(_headline(old.get(headline)), _headline(result.outputs.get(headline)))] += 1
    return BacktestReport(total=total, same=same, changed=len(changes), failed=len(failures),
                          changes=tuple(changes), failures=tuple(failures), transitions=dict(transitions))


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any],
                    compare: Sequence[str] | None) -> tuple[str, ...]:
    fields = list(compare) if compare is not None else sorted(set(old) | set(new))
    return tuple(name for name in fields if not _same_value(old.get(name), new.get(name)))


def _same_value(old: Any, new: Any) -> bool:
    # The engine may return whole numbers as floats and stored JSON may hold them as ints or Decimal:
    # 5000, 5000.0 and Decimal("5000") are the same answer. Booleans are not numbers here (True != 1).
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same_value(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same_value(old[key], new[key]) for key in old)
    return bool(old == new)


def _headline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "—" if value is None else str(value)
