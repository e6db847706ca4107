"""The engines a new decision runs on: the active hard lines, policy and credit model, found with
one light query; compiled rule sets and parsed models are kept per process by their immutable
versions, so a decision reads no rule documents or model JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.risk import rules
from fourflow.risk.repository import engines as repository
from fourflow.risk.service import models, rule_sets


@dataclass(frozen=True, slots=True)
class ActiveEngines:
    hard_lines: rule_sets.ActiveRuleSet
    policy: rule_sets.ActiveRuleSet
    scorer: models.ScorecardScorer


def active_engines(session: Session, versions: list[list[str | None]] | None) -> ActiveEngines:
    """The active engines from what ``active_versions_column`` read (None when nothing is active).
    Raises NoActiveCreditModel when no model is active (the rule sets install themselves)."""
    rows = [tuple(row) for row in versions or []]
    rule_set_versions: dict[str, tuple[int, str | None]] = {}
    model_version: str | None = None
    for kind, name, version, content_hash in rows:
        if kind == repository.RULE_SET and name is not None and version is not None:
            rule_set_versions[name] = (int(version), content_hash)
        elif name == models.PD_MODEL:
            model_version = version

    def rule_set(name: str) -> rule_sets.ActiveRuleSet:
        version, content_hash = rule_set_versions.get(name, (None, None))
        return rule_sets.active_known(session, name, version, content_hash)

    if model_version is None:
        raise models.NoActiveCreditModel()
    return ActiveEngines(rule_set(rules.HARD_LINES), rule_set(rules.POLICY),
                         models.scorer_version(session, model_version))


def active_versions_column() -> ColumnElement[Any]:
    """Which versions are active, as a column for a caller's one query (read by ``active_engines``)."""
    return repository.active_versions_column()
